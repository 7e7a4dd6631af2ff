import type { AuditEventsTable } from './audit-events.js';
import type { ProjectsTable } from './projects.js';
import type { TokensTable } from './tokens.js';

export interface DatabaseSchema {
  projects: ProjectsTable;
  tokens: TokensTable;
  audit_events: AuditEventsTable;
}

export type { AuditEventsTable, ProjectsTable, TokensTable };
