import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadEncryptionKeys, parseByteSize, parseDurationMs, parseListenAddress } from '../../src/config/index.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('value parsers', () => {
  it.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['45', 45_000],
    ['1.5s', 1_500],
  ])('duration %s → %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', 'soon', '10x', '-5s', '1 m'])('rejects duration %j', (text) => expect(parseDurationMs(text)).toBeUndefined());

  it.each([
    ['10485760', 10_485_760],
    ['10MB', 10_000_000],
    ['10MiB', 10_485_760],
    ['512kb', 512_000],
  ])('size %s → %d bytes', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each([
    [':8080', { host: '::', port: 8080 }],
    ['8080', { host: '::', port: 8080 }],
    ['127.0.0.1:9000', { host: '127.0.0.1', port: 9000 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('listen address %s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected));

  it.each(['', 'localhost', ':99999', 'a:b'])('rejects listen address %j', (text) => expect(parseListenAddress(text)).toBeUndefined());
});

describe('loadConfig', () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());
  const envFile = join(temp.dir, '.env');

  it('lets the response-header and stream-idle timeouts differ from REQUEST_TIMEOUT', () => {
    const config = loadConfig({
      env: { MANAGEMENT_TOKEN: 'm', REQUEST_TIMEOUT: '2m', UPSTREAM_STREAM_IDLE_TIMEOUT: '45s' },
      envFilePath: join(temp.dir, 'missing.env'),
    });
    expect([config.upstream.responseHeaderTimeoutMs, config.upstream.streamIdleTimeoutMs]).toEqual([120_000, 45_000]);
  });

  it('applies defaults', () => {
    const config = loadConfig({ env: { MANAGEMENT_TOKEN: 'm' }, envFilePath: join(temp.dir, 'missing.env') });
    expect(config.listen).toEqual({ host: '::', port: 8080 });
    expect(config.database.path).toBe('data/llm-proxy.db');
    expect(config.upstream.openaiApiUrl).toBe('https://api.openai.com');
    expect(config.upstream.responseHeaderTimeoutMs).toBe(600_000);
    expect(config.upstream.streamIdleTimeoutMs).toBe(600_000);
    expect(config.upstream.connectTimeoutMs).toBe(10_000);
    expect(config.upstream.maxRequestBytes).toBe(512 * 1024 * 1024);
    expect(config.clients).toEqual({ headerTimeoutMs: 10_000, bodyTimeoutMs: 30_000, maxConnections: 4096 });
    expect(config.log).toEqual({ level: 'info', format: 'json', requests: true });
    expect(config.events.backend).toBe('in-memory');
    expect(config.secrets.encryptionKey).toBeUndefined();
    expect(Object.isFrozen(config.upstream)).toBe(true);
  });

  it('takes flags over the environment over the .env file', () => {
    writeFileSync(envFile, 'MANAGEMENT_TOKEN=from-file\nLISTEN_ADDR=:7000\nDATABASE_PATH=file.db\nLOG_LEVEL=debug\n');
    const config = loadConfig({
      env: { LISTEN_ADDR: ':7001', DATABASE_PATH: 'env.db' },
      envFilePath: envFile,
      flags: { LISTEN_ADDR: ':7002' },
    });
    expect(config.listen.port).toBe(7002);
    expect(config.database.path).toBe('env.db');
    expect(config.log.level).toBe('debug');
    expect(config.secrets.managementToken).toBe('from-file');
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ env: { MANAGEMENT_TOKEN: 'm', LISTEN_ADDR: '' }, envFilePath: envFile + '.none' });
    expect(config.listen.port).toBe(8080);
  });

  it('names the variable, its source and what is accepted', () => {
    writeFileSync(envFile, 'REQUEST_TIMEOUT=forever\n');
    expect(() => loadConfig({ env: { MANAGEMENT_TOKEN: 'm' }, envFilePath: envFile })).toThrowError(
      /REQUEST_TIMEOUT \(from .*\.env\): got "forever"; accepted: a positive duration/,
    );
    expect(() => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', LOG_LEVEL: 'loud' }, envFilePath: envFile + '.none' })).toThrowError(
      /LOG_LEVEL \(from environment\): got "loud"; accepted: debug, info, warn, error/,
    );
  });

  it('requires MANAGEMENT_TOKEN', () => {
    expect(() => loadConfig({ env: {}, envFilePath: envFile + '.none' })).toThrowError(ConfigError);
    expect(() => loadConfig({ env: {}, envFilePath: envFile + '.none' })).toThrowError(/MANAGEMENT_TOKEN.*is required/);
  });

  it('validates ENCRYPTION_KEY and REQUIRE_ENCRYPTION_KEY', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ENCRYPTION_KEY: key }, envFilePath: envFile + '.none' }).secrets.encryptionKey).toHaveLength(32);
    expect(() =>
      loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, envFilePath: envFile + '.none' }),
    ).toThrowError(/ENCRYPTION_KEY.*exactly 32 bytes/);
    expect(() =>
      loadConfig({ env: { MANAGEMENT_TOKEN: 'm', REQUIRE_ENCRYPTION_KEY: 'true' }, envFilePath: envFile + '.none' }),
    ).toThrowError(/ENCRYPTION_KEY: is required because REQUIRE_ENCRYPTION_KEY=true/);
  });

  it('reads ENCRYPTION_KEY_PREVIOUS beside ENCRYPTION_KEY, never alone; loadEncryptionKeys needs no MANAGEMENT_TOKEN', () => {
    const [current, previous] = [Buffer.alloc(32, 7), Buffer.alloc(32, 8)];
    const env = { ENCRYPTION_KEY: current.toString('base64'), ENCRYPTION_KEY_PREVIOUS: previous.toString('base64') };
    const none = envFile + '.none';
    const config = loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: none });
    expect([config.secrets.encryptionKey, config.secrets.previousEncryptionKey]).toEqual([current, previous]);
    expect(loadEncryptionKeys({ env, envFilePath: none })).toEqual({ current, previous });
    expect(loadEncryptionKeys({ env: {}, envFilePath: none })).toEqual({ current: undefined, previous: undefined });
    expect(() => loadEncryptionKeys({ env: { ENCRYPTION_KEY_PREVIOUS: env.ENCRYPTION_KEY_PREVIOUS }, envFilePath: none })).toThrowError(
      /ENCRYPTION_KEY_PREVIOUS \(from environment\): only decrypts, so it needs ENCRYPTION_KEY/,
    );
    expect(() => loadEncryptionKeys({ env: { ...env, ENCRYPTION_KEY_PREVIOUS: 'short' }, envFilePath: none })).toThrowError(/ENCRYPTION_KEY_PREVIOUS.*exactly 32 bytes/);
    expect(() => loadEncryptionKeys({ env: { REQUIRE_ENCRYPTION_KEY: 'true' }, envFilePath: none })).toThrowError(/REQUIRE_ENCRYPTION_KEY=true/);
  });

  it('accepts the Go original event bus alias and refuses unknown backends', () => {
    expect(loadConfig({ env: { MANAGEMENT_TOKEN: 'm', LLM_PROXY_EVENT_BUS: 'memory' }, envFilePath: envFile + '.none' }).events.backend).toBe('in-memory');
    expect(() => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', LLM_PROXY_EVENT_BUS: 'kafka' }, envFilePath: envFile + '.none' })).toThrowError(
      /LLM_PROXY_EVENT_BUS/,
    );
  });
});
