export type { Config, DatabaseConfig, EncryptionKeys, EventsConfig, LogLevel, RedisStreamsSettings } from './config.js';
export {
  ConfigError,
  buildConfig,
  createTestConfig,
  loadConfig,
  loadDatabaseConfig,
  loadEncryptionKeys,
  loadEventsConfig,
  resolveSettings,
  type LoadConfigOptions,
  type ResolvedSettings,
  type SettingSource,
} from './load-config.js';
export { ENCRYPTION_KEY_FORMAT, SETTING_NAMES, parseEncryptionKey, type SettingName } from './schema.js';
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
