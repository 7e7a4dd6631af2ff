import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const load = (env: Record<string, string>) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: '/nonexistent/.env' });

describe('metrics settings', () => {
  it('has defaults: on, at /metrics, no token', () => {
    const config = load({});
    expect(config.metrics).toEqual({ enabled: true, path: '/metrics' });
    expect(config.secrets.metricsToken).toBeUndefined();
  });

  it('reads ENABLE_METRICS, METRICS_PATH (trailing slash dropped) and METRICS_TOKEN', () => {
    const config = load({ ENABLE_METRICS: 'false', METRICS_PATH: '/internal/prom-metrics/', METRICS_TOKEN: 'scrape-secret' });
    expect(config.metrics).toEqual({ enabled: false, path: '/internal/prom-metrics' });
    expect(config.secrets.metricsToken).toBe('scrape-secret');
  });

  it.each(['metrics', '/', '/v1/metrics', '/manage', '/manage/metrics', '/health', '/a b', '/a//b', '/a?x=1', '/../x', '/a/./b'])(
    'refuses METRICS_PATH=%s, saying what is accepted',
    (path) => {
      expect(() => load({ METRICS_PATH: path })).toThrow(ConfigError);
      expect(() => load({ METRICS_PATH: path })).toThrow(/METRICS_PATH \(from environment\): got ".*"; accepted: a path such as \/metrics/);
    },
  );

  it('never repeats METRICS_TOKEN in an error', () => {
    let message = '';
    try {
      load({ METRICS_TOKEN: 'scrape-secret-value', ENABLE_METRICS: 'maybe' });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/ENABLE_METRICS/);
    expect(message).not.toContain('scrape-secret-value');
  });
});
