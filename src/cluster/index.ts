// `llm-proxy server --workers N`: the primary's supervisor and the workers' links to it.
export { createIpcCoordinator } from './ipc-coordinator.js';
export { createIpcSessionStore } from './ipc-session-store.js';
export { startSupervisor, type Supervisor, type SupervisorOutcome } from './supervisor.js';
export { createWorkerLink, type WorkerLink } from './worker-link.js';
