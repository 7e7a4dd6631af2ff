// The typed client of the management API, for the CLI. Kept apart from manage/ (the routes and
// the store behind them) so that commands talking to a server load neither.
export {
  ManageApiError,
  ManageUnreachableError,
  createManageClient,
  type AuditListFilter,
  type CachePurgeFilter,
  type ManageClient,
  type ManageClientOptions,
  type TokenListFilter,
  type UsageFilter,
} from './client.js';
export { createEventStreamParser, openManageEventStream, type ManageEventStream, type OpenEventStreamOptions, type StreamItem } from './event-stream.js';
export type {
  AuditEventResponse,
  AuditListResponse,
  BulkRevokeResponse,
  CacheStatsResponse,
  CreatedTokenResponse,
  DeletedProjectResponse,
  ProjectResponse,
  PurgedCacheResponse,
  TokenResponse,
  UsageCountsResponse,
  UsageGranularity,
  UsageResponse,
} from '../manage/index.js';
// The range rules of GET /manage/usage, so that the CLI checks its flags before calling. Imported
// from the file itself: it is pure, whereas manage/index.js would load the routes and the store.
export {
  MAX_USAGE_BUCKETS,
  USAGE_TIME_FORMS,
  bucketCeil,
  isUsageRangeProblem,
  parseUsageTime,
  resolveUsageRange,
  type UsageRangeProblem,
} from '../manage/usage-range.js';
