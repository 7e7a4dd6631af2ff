import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageResponse } from '../../src/manage-client/index.js';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { runCli } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

const DAY_MS = 86_400_000;

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy manage usage (built binary)', { timeout: 60_000 }, () => {
  let harness: Harness;
  let projectId: string;
  let tokenId: string;
  const temp = makeTempDir();
  const usage = (...args: string[]) =>
    runCli(['manage', 'usage', ...args, '--manage-api-base-url', harness.url], { cwd: temp.dir, env: { MANAGEMENT_TOKEN, COLUMNS: '120' } });

  beforeAll(async () => {
    harness = await startHarness();
    const issued = await harness.issueToken({ projectName: 'usage-cli' });
    ({ projectId, tokenId } = issued);
    const call = (method: string, path: string) =>
      fetch(`${harness.url}${path}`, { method, headers: { authorization: `Bearer ${issued.token}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' }).then(
        (response) => response.text(),
      );
    // Answers without token counts: the chart shows requests.
    for (let i = 0; i < 4; i++) await call('GET', '/v1/models');
    await call('POST', '/v1/moderations'); // the mock upstream answers 404
    for (let attempt = 0; attempt < 100; attempt++) {
      const report = await harness.manage<UsageResponse>('GET', '/manage/usage');
      if (report.body.totals.requests >= 5) break;
      await sleep(20);
    }
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  it('prints a table by day, a bar chart and the projects', async () => {
    const result = await usage();
    expect([result.code, result.stderr]).toEqual([0, '']);
    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Usage of all projects, \\d{4}-\\d{2}-\\d{2} to ${today} \\(UTC, by day\\)$`));
    expect(lines[2]).toMatch(/^DAY \(UTC\)\s+REQUESTS\s+ERRORS\s+CACHE HITS\s+PROMPT\s+COMPLETION\s+TOTAL TOKENS\s+UPSTREAM AVG$/);
    expect(lines.slice(3, 10).map((line) => line.slice(0, 10))).toHaveLength(7);
    expect(result.stdout).toMatch(new RegExp(`^${today}\\s+5\\s+1\\s+0\\s+0\\s+0\\s+0\\s+[\\d.]+ ms$`, 'm'));
    expect(result.stdout).toMatch(/^TOTAL\s+5\s+1\s+0\s+0\s+0\s+0\s+[\d.]+ ms$/m);
    expect(result.stdout).toMatch(new RegExp(`\\nRequests per day\\n(?:\\d{4}-\\d{2}-\\d{2} {2}\\s+ 0\\n){6}${today} {2}█+ {2}5\\n`));
    expect(result.stdout).toMatch(new RegExp(`\\nBy project\\nPROJECT\\s+NAME\\s+REQUESTS\\s+ERRORS\\s+CACHE HITS\\s+TOTAL TOKENS\\n${projectId}\\s+usage-cli\\s+5\\s+1\\s+0\\s+0\\n`));
  });

  it('prints the API answer with --json, by hour and filtered', async () => {
    const result = await usage('--json', '--granularity', 'hour', '--since', '2h', '--project-id', projectId, '--token-id', tokenId);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as UsageResponse;
    expect(report).toMatchObject({ granularity: 'hour', project_id: projectId, token_id: tokenId, totals: { requests: 5, errors: 1 } });
    expect(report.buckets).toHaveLength(2);
    expect(report.projects).toBeUndefined();
  });

  it('refuses a bad --since with the accepted forms, and a range the API would refuse, before calling', async () => {
    const bad = await usage('--since', 'last week');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      "option '--since <when>' argument 'last week' is invalid. expected a duration such as 90m, 24h, 7d or 2w, or an ISO 8601 date or time with its zone, such as 2026-11-01 or 2026-11-01T12:00:00Z.",
    );
    const tooLong = await usage('--since', '32d', '--granularity', 'hour');
    expect([tooLong.code, tooLong.stderr]).toEqual([
      1,
      'Error: --since covers 768 hours: at most 744 (31 days) with --granularity hour; use --granularity day or a shorter --since\n',
    ]);
    const backwards = await usage('--since', '2026-03-01', '--until', '2026-02-01');
    expect([backwards.code, backwards.stderr]).toEqual([1, 'Error: --since (2026-03-01T00:00:00.000Z) must be before --until (2026-02-01T00:00:00.000Z)\n']);
    const granularity = await usage('--granularity', 'week');
    expect(granularity.code).toBe(1);
    expect(granularity.stderr).toMatch(/Allowed choices are day, hour/);
  });

  it('names the filter an unknown project came from', async () => {
    const unknown = await usage('--project-id', 'no-such-project');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Error: project no-such-project not found, and the usage ledger holds nothing of it \(HTTP 404, project_not_found\)\. List the projects: /);
  });
});
