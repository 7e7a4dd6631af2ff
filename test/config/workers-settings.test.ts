import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('LLM_PROXY_WORKERS', () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());
  const load = (env: NodeJS.ProcessEnv) => loadConfig({ env: { MANAGEMENT_TOKEN: 'm', ...env }, envFilePath: join(temp.dir, 'absent.env') }).workers;

  it('defaults to one process, takes a count, and auto as one per CPU core', () => {
    expect(load({})).toBe(1);
    expect(load({ LLM_PROXY_WORKERS: '3' })).toBe(3);
    expect(load({ LLM_PROXY_WORKERS: ' Auto ' })).toBe(availableParallelism());
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses %j, saying what is accepted', (value) => {
    expect(() => load({ LLM_PROXY_WORKERS: value })).toThrow(ConfigError);
    expect(() => load({ LLM_PROXY_WORKERS: value })).toThrow(/LLM_PROXY_WORKERS.*a positive whole number, or auto/s);
  });
});
