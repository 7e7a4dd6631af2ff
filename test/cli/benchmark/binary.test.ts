import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unusedPort } from '../../support/http-server.js';
import { startHarness, type Harness } from '../../support/proxy-harness.js';
import { makeTempDir } from '../../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../../dist/cli/bin.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('the built llm-proxy benchmark binary', () => {
  let harness: Harness;
  let token: string;
  // An empty working directory, so no ./.env is read.
  const cwd = makeTempDir();

  /** Runs the binary without blocking this process, which serves the proxy under test. */
  function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, 'benchmark', ...args],
        { cwd: cwd.dir, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
    harness = await startHarness();
    ({ token } = await harness.issueToken());
  });
  afterAll(async () => {
    await harness.close();
    cwd.remove();
  });

  it('prints one JSON document and exits 0, with the token from PROXY_TOKEN', async () => {
    const result = await run(
      ['--base-url', harness.url, '--endpoint', '/v1/chat/completions', '-r', '20', '-c', '4', '--output', 'json', '--json', '{"model":"gpt-4o-mini","messages":[]}'],
      { PROXY_TOKEN: token },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const document = JSON.parse(result.stdout) as { succeeded: number; status_codes: Record<string, number>; proxy_overhead_ms: { count: number } };
    expect(document.succeeded).toBe(20);
    expect(document.status_codes).toEqual({ '200': 20 });
    expect(document.proxy_overhead_ms.count).toBe(20);
    expect(result.stdout).not.toContain(token);
  });

  it('exits 3 when every request is answered 401', async () => {
    const result = await run(['--base-url', harness.url, '--endpoint', '/v1/models', '--method', 'GET', '-r', '3', '--token-env', 'BENCH_TOKEN'], {
      BENCH_TOKEN: 'sk-BBBBBBBBBBBBBBBBBBBBBB',
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^401 +3$/m);
    expect(result.stderr).toBe('Error: every request was answered 401 Unauthorized: check the token from $BENCH_TOKEN\n');
  });

  it('exits 2 with one line when the target is unreachable', async () => {
    const port = await unusedPort();
    const result = await run(['--base-url', `http://127.0.0.1:${port}`, '--endpoint', '/v1/models', '--token', 'sk-x']);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `Error: cannot reach http://127.0.0.1:${port}/v1/models: connection refused (ECONNREFUSED)\n`,
    });
  });

  it('exits 1 on bad flags and without a token', async () => {
    const badJson = await run(['--base-url', harness.url, '--endpoint', '/v1/models', '--token', 'sk-x', '--json', '{']);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/^Error: --json is not valid JSON: /);
    const noToken = await run(['--base-url', harness.url, '--endpoint', '/v1/models']);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe('Error: a token is required: pass --token or set PROXY_TOKEN (or choose the variable with --token-env)\n');
  });

  it('documents its exit codes in --help', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    expect(result.stdout).toMatch(/^ {2}3 {2}every request was answered 401/m);
  });
});
