import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliServer, type CliServer } from '../support/cli.js';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { makeTempDir } from '../support/temp-dir.js';
import { adminPages, adminSignIn, adminSignOut, awayFromMinuteEnd, eventually, freshRequest, manageCall, pidsByRequest, proxyCall, workersThatAnswered, type Answer } from '../support/workers.js';
import { SEMI_SPACE_FLAG, SEMI_SPACE_MIB } from '../../src/cli/server/young-generation.js';

const MANAGEMENT_TOKEN = 'workers-test-management-token';

/** The processes a process started, by `ps`. */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // none (ps exits 1)
  }
}

describe('llm-proxy server --workers 2 on one SQLite file (built binary)', () => {
  let mock: MockOpenAi;
  const temp = makeTempDir('llm-proxy-workers-');
  const eventLog = join(temp.dir, 'events.jsonl');
  let server: CliServer;

  beforeAll(async () => {
    mock = await startMockOpenAi();
    server = await startCliServer(['--workers', '2', '--db', join(temp.dir, 'db.sqlite'), '--config', '/dev/null', '--file-event-log', eventLog], {
      // A token cache that never expires by itself: what a worker learns of a change, it learns from the primary.
      env: { MANAGEMENT_TOKEN, OPENAI_API_URL: mock.url, LLM_PROXY_TOKEN_CACHE_TTL: '10m', HTTP_CACHE_ENABLED: 'false' },
      captureStdout: true,
      startTimeoutMs: 30_000,
    });
  }, 40_000);

  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop('SIGKILL');
    await mock.close();
    temp.remove();
  });

  function manage<T>(method: string, path: string, body?: unknown): Promise<T> {
    return manageCall<T>(server.url, MANAGEMENT_TOKEN, method, path, body);
  }

  async function issueToken(limits: { max_requests?: number; requests_per_minute?: number } = {}): Promise<{ id: string; token: string }> {
    const project = await manage<{ id: string }>('POST', '/manage/projects', { name: `p-${Math.random()}`, api_key: 'sk-upstream-key-for-workers-test' });
    return manage('POST', '/manage/tokens', { project_id: project.id, duration_hours: 1, ...limits });
  }

  const calls = (count: number, token: string): Promise<Answer[]> => Promise.all(Array.from({ length: count }, () => proxyCall(server.url, token)));
  const inTurn = async (count: number, token: string): Promise<Answer[]> => {
    const answers: Answer[] = [];
    for (let i = 0; i < count; i += 1) answers.push(await proxyCall(server.url, token));
    return answers;
  };

  it('answers on both workers, and a revocation made on one is effective on the next request on every worker', async () => {
    const { id, token } = await issueToken();
    const before = await inTurn(6, token);
    expect(before.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await workersThatAnswered(server.stdout, before)).size).toBe(2);

    await manage('DELETE', `/manage/tokens/${id}`);
    const after = await inTurn(6, token);
    expect(after.map((answer) => answer.code)).toEqual(Array(6).fill('token_inactive'));
    expect((await workersThatAnswered(server.stdout, after)).size).toBe(2);
  });

  it('starts every worker with its young generation capped (--max-semi-space-size)', () => {
    const workers = childPids(server.child.pid as number);
    expect(workers).toHaveLength(2);
    for (const pid of workers) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MIB}`);
  });

  it('admits exactly max_requests of a capped token under 10×K parallel requests spread over both workers', async () => {
    const K = 10;
    const { token } = await issueToken({ max_requests: K });
    const answers = await calls(10 * K, token);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(K);
    expect(new Set(answers.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${answer.code}`))).toEqual(new Set(['429 token_quota_exhausted']));
    expect((await workersThatAnswered(server.stdout, answers)).size).toBe(2);
  });

  it('counts requests_per_minute for both workers together', async () => {
    await awayFromMinuteEnd();
    const { token } = await issueToken({ requests_per_minute: 4 });
    const answers = await inTurn(8, token);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
    expect(answers.slice(4).every((answer) => answer.code === 'rate_limited')).toBe(true);
    expect((await workersThatAnswered(server.stdout, answers)).size).toBe(2);
  });

  it('keeps an admin UI login on every worker, and a logout ends it on every worker', async () => {
    const cookie = await adminSignIn(server.url, MANAGEMENT_TOKEN);
    const signedIn = await adminPages(server.url, cookie, 4);
    expect(signedIn.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect((await workersThatAnswered(server.stdout, signedIn)).size).toBe(2);

    expect((await adminSignOut(server.url, cookie, signedIn[0] as Answer)).status).toBe(303);
    expect((await adminPages(server.url, cookie, 4)).map((answer) => `${answer.status} ${String(answer.headers.location)}`)).toEqual(Array(4).fill('303 /admin/login'));
  });

  it('writes FILE_EVENT_LOG from both workers in whole lines, none torn', async () => {
    const { token } = await issueToken();
    const answers = await calls(200, token);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect((await workersThatAnswered(server.stdout, answers)).size).toBe(2);
    const ids = new Set(answers.map((answer) => answer.requestId));
    const lines = await eventually(() => {
      const text = readFileSync(eventLog, 'utf8');
      return [...ids].every((id) => text.includes(`"${id}"`)) && text.split('\n');
    });
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line), line.slice(0, 200)).not.toThrow();
  });

  it('passes SIGHUP on: every worker reopens FILE_EVENT_LOG by its path (logrotate)', async () => {
    const { token } = await issueToken();
    renameSync(eventLog, `${eventLog}.1`);
    server.child.kill('SIGHUP');
    // Until the primary's message reaches both workers, a worker may still write to the moved file.
    await eventually(async () => {
      const answers = await inTurn(4, token);
      if ((await workersThatAnswered(server.stdout, answers)).size !== 2) return false;
      await new Promise((resolve) => setTimeout(resolve, 100)); // one flush (20 ms) of the event log, with room
      const text = existsSync(eventLog) ? readFileSync(eventLog, 'utf8') : '';
      return answers.every((answer) => text.includes(`"${answer.requestId}"`));
    });
  });

  it('replaces a worker killed with SIGKILL and keeps serving on both', async () => {
    const { token } = await issueToken();
    const first = await inTurn(2, token);
    const victim = [...(await workersThatAnswered(server.stdout, first))][0] as number;
    process.kill(victim, 'SIGKILL');
    await eventually(() => server.stderr().includes(`worker ${victim} was killed by SIGKILL: starting another`));
    const replaced = await eventually(async () => {
      const answers = await inTurn(4, token);
      if (!answers.every((answer) => answer.status === 200)) return undefined;
      const pids = await workersThatAnswered(server.stdout, answers);
      return pids.size === 2 && !pids.has(victim) && pids;
    }, 30_000);
    expect(replaced.size).toBe(2);
  });

  it('drains and exits 0 on SIGTERM, with every worker gone', async () => {
    const workers = new Set(pidsByRequest(server.stdout()).values());
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.stderr()).toContain('llm-proxy stopped');
    const alive = [...workers].filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});

describe('llm-proxy server --workers 2: starting', () => {
  it('generates the management token once, in the primary, and every worker accepts it', async () => {
    const temp = makeTempDir('llm-proxy-workers-first-');
    try {
      const server = await startCliServer(['--workers', '2', '--db', join(temp.dir, 'db.sqlite')], { cwd: temp.dir, startTimeoutMs: 30_000 });
      try {
        const saved = readFileSync(join(temp.dir, '.env'), 'utf8');
        const tokens = [...saved.matchAll(/^MANAGEMENT_TOKEN=(.+)$/gm)].map((match) => match[1]);
        expect(tokens).toHaveLength(1);
        expect(server.stderr()).toContain(`MANAGEMENT_TOKEN=${tokens[0]}`);
        const answers: Answer[] = [];
        for (let i = 0; i < 4; i += 1) answers.push(await freshRequest(server.url, { path: '/manage/projects', headers: { authorization: `Bearer ${tokens[0]}` } }));
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
      } finally {
        expect(await server.stop('SIGTERM')).toBe(0);
      }
    } finally {
      temp.remove();
    }
  }, 40_000);

  it('gives up, exit 1, when workers keep dying right after their start', async () => {
    const temp = makeTempDir('llm-proxy-workers-crash-');
    try {
      const server = await startCliServer(['--workers', '2', '--db', join(temp.dir, 'db.sqlite'), '--config', '/dev/null'], { env: { MANAGEMENT_TOKEN }, startTimeoutMs: 30_000 });
      const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
      let stopped = false;
      void exited.then(() => (stopped = true));
      // Every worker is killed as soon as it appears, replacements included.
      const killed = new Set<number>();
      while (!stopped) {
        for (const pid of childPids(server.child.pid as number)) {
          if (killed.has(pid)) continue;
          killed.add(pid);
          process.kill(pid, 'SIGKILL');
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await exited).toBe(1);
      expect(server.stderr()).toMatch(/workers died 5 times in a row within 10s of starting: giving up/);
      expect(killed.size).toBeGreaterThanOrEqual(5); // more when a worker took over 10 s to start and its end did not count as quick
    } finally {
      temp.remove();
    }
  }, 60_000);

  it('exits 1 when a worker cannot start, with the worker\'s reason', async () => {
    const temp = makeTempDir('llm-proxy-workers-fail-');
    try {
      const notADirectory = join(temp.dir, 'db.sqlite'); // a file: nothing can be created under it
      const eventLog = join(notADirectory, 'events.jsonl');
      const result = await runCli(['server', '--workers', '2', '--addr', '127.0.0.1:0', '--config', '/dev/null', '--db', notADirectory, '--file-event-log', eventLog], {
        env: { MANAGEMENT_TOKEN },
        timeoutMs: 30_000,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot open FILE_EVENT_LOG ${eventLog}`);
      expect(result.stderr).toContain('a worker exited with code 1 before it listened');
    } finally {
      temp.remove();
    }
  }, 40_000);
});
