import type { AuditEventsTable } from './audit-events.js';
import type { ProjectsTable } from './projects.js';
import type { TokensTable } from './tokens.js';
import type { UsageHourlyTable } from './usage-hourly.js';

export interface DatabaseSchema {
  projects: ProjectsTable;
  tokens: TokensTable;
  usage_hourly: UsageHourlyTable;
  audit_events: AuditEventsTable;
}

export type { AuditEventsTable, ProjectsTable, TokensTable, UsageHourlyTable };
