import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { runCli } from '../support/cli.js';
import { closedPort } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy manage --requests-per-minute (built binary)', { timeout: 60_000 }, () => {
  let harness: Harness;
  const temp = makeTempDir();
  beforeAll(async () => {
    harness = await startHarness({ HTTP_CACHE_ENABLED: 'false' });
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  const manage = (...args: string[]) =>
    runCli(['manage', ...args, '--manage-api-base-url', harness.url], { cwd: temp.dir, env: { MANAGEMENT_TOKEN } });

  it('sets, shows and removes the rate limits of projects and tokens, and the proxy enforces them', async () => {
    const created = await manage('project', 'create', '--name', 'Rated', '--openai-key', 'sk-cli-key-0123456789abcdef', '--requests-per-minute', '120');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Rate limit:\s+120 requests\/minute/);
    const projectId = /^ID:\s+(\S+)/m.exec(created.stdout)?.[1] ?? '';

    const removed = await manage('project', 'update', projectId, '--requests-per-minute', '0', '--json');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ requests_per_minute: null });

    const generated = await manage('token', 'generate', '--project-id', projectId, '--requests-per-minute', '1');
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/Rate limit:\s+1 requests\/minute/);
    const token = /Token:\s+(sk-\S+)/.exec(generated.stdout)?.[1] ?? '';
    expect((await manage('token', 'get', token)).stdout).toMatch(/Rate limit:\s+1 requests\/minute/);

    const statuses: number[] = [];
    for (let i = 0; i < 2; i += 1) statuses.push((await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status);
    // Two requests can straddle the turn of a minute (fixed windows): then both pass.
    expect(statuses[0]).toBe(200);
    if (Date.now() % 60_000 > 2_000) expect(statuses[1]).toBe(429);

    const negative = await manage('token', 'generate', '--project-id', projectId, '--requests-per-minute', '-3');
    expect(negative.code).not.toBe(0);
    expect(negative.stderr).toContain('--requests-per-minute');

    const help = await runCli(['manage', 'project', 'update', '--help']);
    expect(help.stdout).toContain('--requests-per-minute <n>');
  });

  it('server with LLM_PROXY_COORDINATION=redis exits 1 when Redis cannot be reached, naming the address and the fix, never the password', async () => {
    const port = await closedPort();
    const result = await runCli(['server', '--addr', '127.0.0.1:0', '--db', join(temp.dir, 'coordination.db')], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, LLM_PROXY_COORDINATION: 'redis', REDIS_ADDR: `127.0.0.1:${port}`, REDIS_PASSWORD: 'hunter2-secret' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach Redis at 127.0.0.1:${port}/0 for LLM_PROXY_COORDINATION=redis`);
    expect(result.stderr).toContain('LLM_PROXY_COORDINATION=none');
    expect(result.stdout + result.stderr).not.toContain('hunter2-secret');
  });
});
