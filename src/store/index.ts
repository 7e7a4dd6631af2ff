export { DatabaseConnectError, openDatabase, type Database, type DatabaseDriver, type DatabaseOptions } from './database.js';
export { DEFAULT_POOL_SETTINGS, type PoolSettings } from './engines/pool-settings.js';
export { MigrationError, migrateDown, migrateToLatest, migrationStatus, type MigrationState } from './migrator.js';
export {
  AUDIT_OUTCOMES,
  auditEventFields,
  findAuditEvent,
  insertAuditEvents,
  listAuditEvents,
  type AuditEvent,
  type AuditFilter,
  type AuditOutcome,
  type AuditPage,
} from './audit-events.js';
export { createAuditWriter, type AuditWriter, type AuditWriterOptions } from './audit-writer.js';
export { DatabaseLockedError, DatabaseUnavailableError, isConnectionError, isLockConflict, isUniqueViolation } from './errors.js';
export { rewriteProjectKeys, type ProjectKeyRewrite, type StoredProjectKey } from './project-keys.js';
export {
  deleteProject,
  findProject,
  findProjectByName,
  findProjectNames,
  insertProject,
  listProjectSummaries,
  listProjects,
  updateProject,
  type ProjectChanges,
  type ProjectSummary,
} from './projects.js';
export {
  consumeLimitedRequest,
  releaseLimitedRequest,
  findCredential,
  findTokenByHash,
  findTokenById,
  insertToken,
  listTokens,
  revokeProjectTokens,
  updateToken,
  type BulkRevokeResult,
  type NewToken,
  type TokenChanges,
  type TokenFilter,
} from './tokens.js';
export { listTokenPage, type TokenPageFilter, type TokenState } from './token-pages.js';
export { createUsageWriter, type UsageWriter, type UsageWriterOptions } from './usage-writer.js';
export type { Project, Token, TokenCredential } from './types.js';
export { createUsageLedger, type LedgerEntry, type UsageLedger, type UsageLedgerOptions } from './usage-ledger.js';
export { createUsageDays, SETTLED_DAY_TTL_MS, SETTLE_AFTER_MS, type UsageDays, type UsageDaysOptions, type UsageDaysReport } from './usage-days.js';
export {
  addUsageCounts,
  emptyUsageCounts,
  hasUsage,
  sumUsageByProject,
  sumUsageByTime,
  type ProjectUsageSums,
  type UsageBucketSums,
  type UsageCounts,
  type UsageFilter,
  type UsageGranularity,
} from './usage-hourly.js';
