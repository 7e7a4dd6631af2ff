import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('audit settings', () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());
  const noEnvFile = join(temp.dir, 'absent.env');
  const load = (env: NodeJS.ProcessEnv, envFilePath = noEnvFile) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath }).audit;

  it('defaults: on, the file beside the database, directories created, a copy in the database, reads and proxy headers ignored', () => {
    expect(load({})).toEqual({
      enabled: true,
      logFile: join('data', 'audit.log'),
      createDir: true,
      storeInDb: true,
      trustProxyHeaders: false,
      recordReads: false,
    });
    expect(load({ DATABASE_PATH: '/var/lib/llm-proxy/proxy.db' }).logFile).toBe('/var/lib/llm-proxy/audit.log');
    expect(load({ DATABASE_PATH: 'proxy.db' }).logFile).toBe('audit.log');
    expect(load({ DATABASE_PATH: ':memory:' }).logFile).toBe(join('data', 'audit.log'));
  });

  it('takes the Go names; AUDIT_LOG_FILE set empty (environment or .env) turns the file off', () => {
    expect(
      load({ AUDIT_ENABLED: 'false', AUDIT_LOG_FILE: '/tmp/a.log', AUDIT_CREATE_DIR: '0', AUDIT_STORE_IN_DB: 'no', AUDIT_TRUST_PROXY_HEADERS: 'yes', AUDIT_READS: 'true' }),
    ).toEqual({ enabled: false, logFile: '/tmp/a.log', createDir: false, storeInDb: false, trustProxyHeaders: true, recordReads: true });
    expect(load({ AUDIT_LOG_FILE: '' }).logFile).toBeUndefined();
    const envFile = join(temp.dir, '.env');
    writeFileSync(envFile, 'AUDIT_LOG_FILE=\n');
    expect(load({}, envFile).logFile).toBeUndefined();
    // The environment still wins over the file, empty or not.
    expect(load({ AUDIT_LOG_FILE: 'elsewhere.log' }, envFile).logFile).toBe('elsewhere.log');
  });

  it('names a bad value', () => {
    expect(() => load({ AUDIT_ENABLED: 'maybe' })).toThrow(ConfigError);
    expect(() => load({ AUDIT_ENABLED: 'maybe' })).toThrow(/AUDIT_ENABLED \(from environment\): got "maybe"; accepted: true or false/);
  });
});
