import { describe, expect, it } from 'vitest';
import { readDispatcherSettings, type DispatcherFlags } from '../../src/config/index.js';

const NO_ENV_FILE = { envFilePath: '/nonexistent/.env' };
const read = (flags: DispatcherFlags, env: Record<string, string> = {}) => readDispatcherSettings(flags, { env, ...NO_ENV_FILE });
const problem = (flags: DispatcherFlags, env: Record<string, string> = {}) => {
  try {
    read(flags, env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('dispatcher settings', () => {
  it('has the defaults of the CLI reference (file, buffer 100) and the issue (batch 100, flush 5s, 3 retries from 1s to 30s)', () => {
    const settings = read({ endpoint: './events.jsonl' });
    expect(settings.events.backend).toBe('in-memory');
    expect(settings).toEqual({
      events: settings.events,
      service: 'file',
      endpoint: './events.jsonl',
      bufferSize: 100,
      batchSize: 100,
      flushIntervalMs: 5000,
      maxRetries: 3,
      retryBaseMs: 1000,
      retryMaxMs: 30_000,
      drainTimeoutMs: 30_000,
      deadLetterFile: undefined,
      secrets: { apiKey: undefined, webhookSecret: undefined },
    });
  });

  it('takes each flag over its variable, and the variable over the default', () => {
    const env = {
      DISPATCHER_SERVICE: 'lunary',
      DISPATCHER_BUFFER: '500',
      DISPATCHER_BATCH_SIZE: '50',
      DISPATCHER_FLUSH_INTERVAL: '250ms',
      LLM_PROXY_API_KEY: 'env-key',
      DISPATCHER_MAX_RETRIES: '0',
      LLM_PROXY_EVENT_BUS: 'redis-streams',
    };
    expect(read({ buffer: '1000' }, env)).toMatchObject({
      events: { backend: 'redis-streams', redisStreams: { address: 'localhost:6379', streamKey: 'llm-proxy-events' } },
      service: 'lunary',
      endpoint: undefined,
      bufferSize: 1000,
      batchSize: 50,
      flushIntervalMs: 250,
      maxRetries: 0,
      secrets: { apiKey: 'env-key' },
    });
    expect(read({ apiKey: 'flag-key', flushInterval: '2' }, env)).toMatchObject({ flushIntervalMs: 2000, secrets: { apiKey: 'flag-key' } });
  });

  it.each([
    [{ service: 'kafka' }, {}, '--service: expected one of file, lunary, helicone, webhook, got "kafka"'],
    [{ service: 'file' }, {}, '--service file needs the path of the file to append events to: --endpoint ./events.jsonl (or DISPATCHER_ENDPOINT)'],
    [{ endpoint: 'x', buffer: '0' }, {}, '--buffer: expected a positive whole number, got "0"'],
    [{ endpoint: 'x' }, { DISPATCHER_BATCH_SIZE: 'many' }, 'DISPATCHER_BATCH_SIZE: expected a positive whole number, got "many"'],
    [{ endpoint: 'x', flushInterval: 'soon' }, {}, '--flush-interval: expected a duration such as 5s, 500ms or 1m (a bare number is seconds), got "soon"'],
    [{ endpoint: 'x', retryBase: '10s', retryMax: '5s' }, {}, '--retry-max (5000 ms) must not be shorter than --retry-base (10000 ms)'],
    [{ service: 'lunary' }, {}, '--service lunary needs the Lunary API key: pass --api-key or set LLM_PROXY_API_KEY'],
    [{ service: 'helicone', apiKey: 'k', endpoint: 'ftp://x' }, {}, '--endpoint: --service helicone sends to an http:// or https:// URL, got "ftp://x"'],
    [{ service: 'webhook' }, {}, '--service webhook needs the URL to POST batches to: --endpoint https://… (or DISPATCHER_ENDPOINT)'],
    [
      { service: 'webhook', endpoint: 'https://example.com/hook' },
      {},
      '--service webhook signs every batch: pass --webhook-secret or set DISPATCHER_WEBHOOK_SECRET (receivers verify X-LLM-Proxy-Signature with it)',
    ],
    [{ endpoint: 'x' }, { LLM_PROXY_EVENT_BUS: 'kafka' }, 'Invalid configuration:\n  LLM_PROXY_EVENT_BUS (from environment): got "kafka"; accepted: in-memory, redis-streams'],
  ])('refuses %j with %j: %s', (flags, env, message) => {
    expect(problem(flags, env)).toBe(message);
  });

  it('accepts the webhook secret from DISPATCHER_WEBHOOK_SECRET', () => {
    expect(read({ service: 'webhook', endpoint: 'https://example.com/hook' }, { DISPATCHER_WEBHOOK_SECRET: 'whsec' }).secrets.webhookSecret).toBe('whsec');
  });
});
