export { manageRoutes, type ManageRoutesOptions } from './routes.js';
export type { LiveEventsOptions } from './event-routes.js';
export {
  DEFAULT_TOKEN_HOURS,
  createProject,
  findTokenByIdOrSecret,
  issueToken,
  type IssuedToken,
  type OperationDeps,
} from './operations.js';
export type * from './schemas.js';
export type * from './usage-schemas.js';
export type { UsageGranularity, UsageRange, UsageRangeProblem } from './usage-range.js';
export type { AuditEventResponse, AuditListResponse, AuditQuery } from './audit-schemas.js';
