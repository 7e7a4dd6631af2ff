// The typed client of the management API, for the CLI. Kept apart from manage/ (the routes and
// the store behind them) so that commands talking to a server load neither.
export {
  ManageApiError,
  ManageUnreachableError,
  createManageClient,
  type CachePurgeFilter,
  type ManageClient,
  type ManageClientOptions,
  type TokenListFilter,
} from './client.js';
export { createEventStreamParser, openManageEventStream, type ManageEventStream, type OpenEventStreamOptions, type StreamItem } from './event-stream.js';
export type {
  BulkRevokeResponse,
  CacheStatsResponse,
  CreatedTokenResponse,
  DeletedProjectResponse,
  ProjectResponse,
  PurgedCacheResponse,
  TokenResponse,
} from '../manage/index.js';
