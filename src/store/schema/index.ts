import type { ProjectsTable } from './projects.js';
import type { TokensTable } from './tokens.js';

export interface DatabaseSchema {
  projects: ProjectsTable;
  tokens: TokensTable;
}

export type { ProjectsTable, TokensTable };
