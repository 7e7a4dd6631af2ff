import type { Migration } from 'kysely';
import * as m0001 from './0001-projects-and-tokens.js';
import * as m0002 from './0002-project-openai-ids.js';
import * as m0003 from './0003-usage-ledger.js';
import * as m0004 from './0004-audit-events.js';
import * as m0005 from './0005-rate-limits.js';
import * as m0007 from './0007-admin-list-indexes.js';

/** Every migration, in order. A static record (no directory scan) behaves the same from src/ and dist/. */
export const migrations: Record<string, Migration> = {
  '0001-projects-and-tokens': m0001,
  '0002-project-openai-ids': m0002,
  '0003-usage-ledger': m0003,
  '0004-audit-events': m0004,
  '0005-rate-limits': m0005,
  '0007-admin-list-indexes': m0007,
};
