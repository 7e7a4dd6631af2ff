export {
  CoordinationUnavailableError,
  MINUTE_MS,
  type AdmissionRequest,
  type AdmissionVerdict,
  type Coordinator,
  type Invalidation,
  type RateLimit,
} from './coordinator.js';
export { createLocalCoordinator } from './local-coordinator.js';
export { openCoordinator } from './open-coordinator.js';
