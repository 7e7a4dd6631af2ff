export type { Config, DatabaseConfig, EventsConfig, LogLevel, RedisStreamsSettings } from './config.js';
export {
  ConfigError,
  buildConfig,
  createTestConfig,
  loadConfig,
  loadDatabaseConfig,
  loadEventsConfig,
  resolveSettings,
  type LoadConfigOptions,
  type ResolvedSettings,
  type SettingSource,
} from './load-config.js';
export { SETTING_NAMES, type SettingName } from './schema.js';
export { readEnvFile, updateEnvFile } from './env-file.js';
export { DEFAULT_PROXY_URL, defaultProxyUrl, localUrlOf, readClientSetting, type ClientSettingsOptions } from './client-settings.js';
export { parseByteSize, parseDurationMs, parseListenAddress, type ListenAddress } from './units.js';
export {
  DISPATCHER_SERVICES,
  DISPATCHER_SETTING_SOURCES,
  readDispatcherSettings,
  type DispatcherFlags,
  type DispatcherService,
  type DispatcherSettings,
} from './dispatcher-settings.js';
export { databaseUrlProblem, describeDatabaseUrl } from './database-url.js';
