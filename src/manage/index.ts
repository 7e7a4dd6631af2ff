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
