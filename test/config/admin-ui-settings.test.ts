import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('admin UI settings', () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());
  const load = (env: NodeJS.ProcessEnv) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: join(temp.dir, 'absent.env') }).adminUi;

  it('defaults: on, at /admin, sessions of 12 hours', () => {
    expect(load({})).toEqual({ enabled: true, path: '/admin', sessionTtlMs: 12 * 3_600_000 });
  });

  it('takes a path with or without its trailing slash, and a session length', () => {
    expect(load({ ADMIN_UI_PATH: '/ops/console/', ADMIN_UI_SESSION_TTL: '30m', ADMIN_UI_ENABLED: 'false' })).toEqual({ enabled: false, path: '/ops/console', sessionTtlMs: 1_800_000 });
  });

  it('refuses an ADMIN_UI_PATH overlapping METRICS_PATH', () => {
    expect(() => load({ ADMIN_UI_PATH: '/metrics' })).toThrow(/ADMIN_UI_PATH.*must not overlap METRICS_PATH/s);
    expect(() => load({ ADMIN_UI_PATH: '/ops', METRICS_PATH: '/ops/metrics' })).toThrow(/must not overlap/);
    expect(load({ ADMIN_UI_PATH: '/metrics', ENABLE_METRICS: 'false' }).path).toBe('/metrics');
  });

  it.each(['admin', '/', '/v1', '/manage/ui', '/health', '/ready', '/a b', '/a?b', '/a/../b'])('refuses ADMIN_UI_PATH=%j, saying what is accepted', (path) => {
    expect(() => load({ ADMIN_UI_PATH: path })).toThrow(ConfigError);
    expect(() => load({ ADMIN_UI_PATH: path })).toThrow(/ADMIN_UI_PATH.*a path such as \/admin/s);
  });
});
