import { readClientSetting, type ClientSettingsOptions } from './client-settings.js';
import type { EventsConfig } from './config.js';
import { ConfigError, loadEventsConfig } from './load-config.js';
import { parseDurationMs, parseListenAddress, type ListenAddress } from './units.js';

/**
 * Settings of `llm-proxy dispatcher`: each from its flag, else its environment variable (or
 * ./.env), else the default. Values are checked here, once; a bad one names the flag or the
 * variable it came from (never the value of a secret).
 */

export const DISPATCHER_SERVICES = ['file', 'lunary', 'helicone', 'webhook'] as const;
export type DispatcherService = (typeof DISPATCHER_SERVICES)[number];

/** Flag values as the command line gave them (strings; undefined when not given). */
export interface DispatcherFlags {
  readonly service?: string;
  readonly endpoint?: string;
  readonly buffer?: string;
  readonly batchSize?: string;
  readonly flushInterval?: string;
  readonly apiKey?: string;
  readonly maxRetries?: string;
  readonly retryBase?: string;
  readonly retryMax?: string;
  readonly drainTimeout?: string;
  readonly webhookSecret?: string;
  readonly deadLetterFile?: string;
  readonly metricsAddr?: string;
}

export interface DispatcherSettings {
  /**
   * LLM_PROXY_EVENT_BUS and the REDIS_* settings, as the server reads them: `in-memory` means the
   * live stream of a running server, `redis-streams` the Redis stream the server adds events to.
   */
  readonly events: EventsConfig;
  readonly service: DispatcherService;
  /** File path (file) or URL (the others); undefined: the service's default URL. */
  readonly endpoint: string | undefined;
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly drainTimeoutMs: number;
  readonly deadLetterFile: string | undefined;
  /** Where the Prometheus endpoint listens (GET /metrics); undefined: no endpoint. */
  readonly metricsAddress: ListenAddress | undefined;
  readonly secrets: {
    /** Lunary and Helicone. */
    readonly apiKey: string | undefined;
    /** Webhook signatures. */
    readonly webhookSecret: string | undefined;
  };
}

/** Each setting's flag and variable, and its default (as text, parsed like a given value). */
export const DISPATCHER_SETTING_SOURCES = {
  service: { flag: '--service', env: 'DISPATCHER_SERVICE', default: 'file' },
  endpoint: { flag: '--endpoint', env: 'DISPATCHER_ENDPOINT', default: undefined },
  buffer: { flag: '--buffer', env: 'DISPATCHER_BUFFER', default: '100' },
  batchSize: { flag: '--batch-size', env: 'DISPATCHER_BATCH_SIZE', default: '100' },
  flushInterval: { flag: '--flush-interval', env: 'DISPATCHER_FLUSH_INTERVAL', default: '5s' },
  apiKey: { flag: '--api-key', env: 'LLM_PROXY_API_KEY', default: undefined },
  maxRetries: { flag: '--max-retries', env: 'DISPATCHER_MAX_RETRIES', default: '3' },
  retryBase: { flag: '--retry-base', env: 'DISPATCHER_RETRY_BASE', default: '1s' },
  retryMax: { flag: '--retry-max', env: 'DISPATCHER_RETRY_MAX', default: '30s' },
  drainTimeout: { flag: '--drain-timeout', env: 'DISPATCHER_DRAIN_TIMEOUT', default: '30s' },
  webhookSecret: { flag: '--webhook-secret', env: 'DISPATCHER_WEBHOOK_SECRET', default: undefined },
  deadLetterFile: { flag: '--dead-letter-file', env: 'DISPATCHER_DEAD_LETTER_FILE', default: undefined },
  metricsAddr: { flag: '--metrics-addr', env: 'DISPATCHER_METRICS_ADDR', default: undefined },
} as const satisfies Record<keyof DispatcherFlags, { flag: string; env: string; default: string | undefined }>;

type SettingKey = keyof typeof DISPATCHER_SETTING_SOURCES;

const SECRET_KEYS = new Set<SettingKey>(['apiKey', 'webhookSecret']);

export function readDispatcherSettings(flags: DispatcherFlags, options: ClientSettingsOptions = {}): DispatcherSettings {
  /** The value and where it came from ("--buffer", "DISPATCHER_BUFFER", or "the default"). */
  function raw(key: SettingKey): { text: string | undefined; from: string } {
    const source = DISPATCHER_SETTING_SOURCES[key];
    const flag = flags[key];
    if (flag !== undefined && flag !== '') return { text: flag, from: source.flag };
    const env = readClientSetting(source.env, options);
    if (env !== undefined) return { text: env, from: source.env };
    return { text: source.default, from: 'the default' };
  }

  function parsed<T>(key: SettingKey, parse: (text: string) => T | undefined, accepted: string): T {
    const { text, from } = raw(key);
    const value = text === undefined ? undefined : parse(text);
    if (value === undefined) {
      const shown = SECRET_KEYS.has(key) ? '' : `, got "${text ?? ''}"`;
      throw new ConfigError(`${from}: expected ${accepted}${shown}`);
    }
    return value;
  }

  const wholeNumber = (min: number) => (text: string) => {
    const value = Number(text.trim());
    return Number.isInteger(value) && value >= min ? value : undefined;
  };
  const duration = (text: string) => {
    const ms = parseDurationMs(text);
    return ms !== undefined && ms > 0 ? ms : undefined;
  };
  const DURATION = 'a duration such as 5s, 500ms or 1m (a bare number is seconds)';

  const service = parsed(
    'service',
    (text) => DISPATCHER_SERVICES.find((name) => name === text.trim().toLowerCase()),
    `one of ${DISPATCHER_SERVICES.join(', ')}`,
  );
  const endpoint = raw('endpoint').text;
  const apiKey = raw('apiKey').text;
  const webhookSecret = raw('webhookSecret').text;
  const settings: DispatcherSettings = {
    events: loadEventsConfig({ env: options.env, envFilePath: options.envFilePath }),
    service,
    endpoint,
    bufferSize: parsed('buffer', wholeNumber(1), 'a positive whole number'),
    batchSize: parsed('batchSize', wholeNumber(1), 'a positive whole number'),
    flushIntervalMs: parsed('flushInterval', duration, DURATION),
    maxRetries: parsed('maxRetries', wholeNumber(0), 'a whole number, 0 or more'),
    retryBaseMs: parsed('retryBase', duration, DURATION),
    retryMaxMs: parsed('retryMax', duration, DURATION),
    drainTimeoutMs: parsed('drainTimeout', duration, DURATION),
    deadLetterFile: raw('deadLetterFile').text,
    metricsAddress: raw('metricsAddr').text === undefined ? undefined : parsed('metricsAddr', parseListenAddress, 'host:port such as 127.0.0.1:9464 or :9464'),
    secrets: { apiKey, webhookSecret },
  };
  checkService(settings, raw('endpoint').from);
  if (settings.retryMaxMs < settings.retryBaseMs) {
    throw new ConfigError(`${raw('retryMax').from} (${settings.retryMaxMs} ms) must not be shorter than ${raw('retryBase').from} (${settings.retryBaseMs} ms)`);
  }
  return settings;
}

function isHttpUrl(text: string): boolean {
  return URL.canParse(text) && /^https?:$/.test(new URL(text).protocol);
}

/** What each service needs besides the common settings. */
function checkService(settings: DispatcherSettings, endpointFrom: string): void {
  const { service, endpoint } = settings;
  if (service === 'file') {
    if (endpoint === undefined) {
      throw new ConfigError('--service file needs the path of the file to append events to: --endpoint ./events.jsonl (or DISPATCHER_ENDPOINT)');
    }
    return;
  }
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new ConfigError(`${endpointFrom}: --service ${service} sends to an http:// or https:// URL, got "${endpoint}"`);
  }
  if (service === 'webhook') {
    if (endpoint === undefined) throw new ConfigError('--service webhook needs the URL to POST batches to: --endpoint https://… (or DISPATCHER_ENDPOINT)');
    if (settings.secrets.webhookSecret === undefined) {
      throw new ConfigError(
        '--service webhook signs every batch: pass --webhook-secret or set DISPATCHER_WEBHOOK_SECRET (receivers verify X-LLM-Proxy-Signature with it)',
      );
    }
    return;
  }
  if (settings.secrets.apiKey === undefined) {
    throw new ConfigError(`--service ${service} needs the ${service === 'lunary' ? 'Lunary' : 'Helicone'} API key: pass --api-key or set LLM_PROXY_API_KEY`);
  }
}
