import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

/** Runs `llm-proxy manage cache …` against a harness; the token comes from MANAGEMENT_TOKEN. */
function manageCacheOf(harness: () => Harness, cwd: string) {
  return (...args: string[]) => runCli(['manage', 'cache', ...args, '--manage-api-base-url', harness().url], { cwd, env: { MANAGEMENT_TOKEN } });
}

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy manage cache (built binary)', { timeout: 60_000 }, () => {
  let harness: Harness;
  let token: string;
  let projectId: string;
  const temp = makeTempDir();
  const cache = manageCacheOf(() => harness, temp.dir);
  beforeAll(async () => {
    harness = await startHarness();
    ({ token, projectId } = await harness.issueToken());
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  /** One opted-in chat request; resolves with its X-PROXY-CACHE header. */
  async function chat(content: string): Promise<string | null> {
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers: { 'Cache-Control': 'public, max-age=60' } })
      .withResponse();
    return response.headers.get('x-proxy-cache');
  }

  it('shows the stats as aligned text and as the API JSON', async () => {
    await chat('cli stats');
    expect(await chat('cli stats')).toBe('hit');

    const text = await cache('stats');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Backend:\s+in-memory$/m);
    expect(text.stdout).toMatch(/^Entries:\s+1$/m);
    expect(text.stdout).toMatch(/^Hits:\s+1$/m);
    expect(text.stdout).toMatch(/^Coalesced waits:\s+0$/m);
    expect(text.stdout).toMatch(/^Size:\s+\d+(\.\d)? (B|KiB)$/m);
    expect(text.stdout).toMatch(/^PROJECT\s+NAME\s+HITS\s+MISSES\s+STORES$/m);
    expect(text.stdout).toMatch(new RegExp(`^${projectId}\\s+project-\\S+\\s+1\\s+1\\s+1$`, 'm'));

    const json = await cache('stats', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ backend: 'in-memory', entries: 1, hits: 1, by_project: { [projectId]: { hits: 1, misses: 1, stores: 1 } } });
  });

  it('purges by project, by key and all, in text and --json', async () => {
    await chat('cli purge');
    const other = await harness.issueToken();
    expect((await cache('purge', '--project-id', other.projectId)).stdout).toBe(`Purged 0 cached answer(s) of project ${other.projectId}.\n`);

    const byProject = await cache('purge', '--project-id', projectId, '--json');
    expect([byProject.code, JSON.parse(byProject.stdout)]).toEqual([0, { deleted: 2 }]);
    expect(await chat('cli purge')).toBe('miss');

    expect((await cache('purge', '--key', 'no-such-key')).stdout).toBe('Purged 0 cached answer(s) with key no-such-key.\n');
    expect((await cache('purge')).stdout).toBe('Purged 1 cached answer(s).\n');
  });

  it('tells a bad filter in terms of its flag', async () => {
    const empty = await cache('purge', '--project-id', '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^Error: --project-id: must not be empty \(HTTP 400, invalid_request\)/);
  });
});

describe('llm-proxy manage cache with HTTP_CACHE_ENABLED=false (built binary)', { timeout: 60_000 }, () => {
  let harness: Harness;
  const temp = makeTempDir();
  const cache = manageCacheOf(() => harness, temp.dir);
  beforeAll(async () => {
    harness = await startHarness({ HTTP_CACHE_ENABLED: 'false' });
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  it('says the cache is disabled and how to turn it on', async () => {
    for (const command of ['purge', 'stats']) {
      const result = await cache(command);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('HTTP_CACHE_ENABLED=false');
      expect(result.stderr).toContain('(HTTP 409, cache_disabled). Restart the server with HTTP_CACHE_ENABLED=true');
    }
  });
});
