export { buildApp, type AppOverrides, type LlmProxyApp } from './build-app.js';
export { createLogger, type Logger } from './logger.js';
