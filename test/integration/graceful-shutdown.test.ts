import { Agent, request } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { startHarness } from '../support/proxy-harness.js';

interface Outcome {
  ok: number;
  closeHeaders: number;
  errors: Record<string, number>;
}

/** A failed request, and whether it went out on a kept-alive connection. */
class RequestFailure extends Error {
  constructor(
    readonly code: string,
    readonly reusedSocket: boolean,
  ) {
    super(code);
  }
}

function get(agent: Agent, url: URL, token: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: url.hostname, port: url.port, path: '/v1/models', headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => reject(new RequestFailure(error.code ?? error.message, req.reusedSocket)));
    req.end();
  });
}

describe('graceful shutdown', () => {
  it('lets keep-alive clients under load leave cleanly: no request is reset', async () => {
    const harness = await startHarness({ SHUTDOWN_TIMEOUT: '5s' });
    const { token } = await harness.issueToken();
    const url = new URL(harness.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const outcome: Outcome = { ok: 0, closeHeaders: 0, errors: {} };
    let stopping = false;
    let listening = true;

    async function loop(): Promise<void> {
      while (listening) {
        try {
          const response = await get(agent, url, token);
          if (response.status === 200) outcome.ok += 1;
          if (stopping && response.connection === 'close') outcome.closeHeaders += 1;
        } catch (error) {
          const { code, reusedSocket } = error as RequestFailure;
          // A fresh connection that the kernel completed just as the listener closed is reset:
          // a race of TCP itself, counted apart. A kept-alive connection must never be.
          const kind = reusedSocket ? `kept-alive ${code}` : `fresh ${code}`;
          outcome.errors[kind] = (outcome.errors[kind] ?? 0) + 1;
          if (!reusedSocket) return; // refused or reset at connect: the server has stopped listening
        }
      }
    }

    const loops = Array.from({ length: 16 }, () => loop());
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopping = true;
    await harness.proxy.close();
    listening = false;
    await Promise.all(loops);
    agent.destroy();
    await harness.mock.close();

    expect(outcome.ok).toBeGreaterThan(0);
    expect(outcome.closeHeaders).toBeGreaterThan(0); // clients were told to leave
    const keptAliveFailures = Object.entries(outcome.errors).filter(([kind]) => kind.startsWith('kept-alive'));
    expect(keptAliveFailures).toEqual([]); // no ECONNRESET, no "socket hang up" on a kept-alive connection
  });
});

describe('access log', () => {
  async function logged(settings: Record<string, string>): Promise<Record<string, unknown>[]> {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const harness = await startHarness(settings, { logger: createLogger('info', sink) });
    const { token, tokenId, projectId } = await harness.issueToken();
    const url = new URL(harness.url);
    const agent = new Agent();
    await get(agent, url, token);
    await get(agent, url, 'sk-unknownunknownunknown1');
    await harness.close();
    return lines
      .filter((line) => line.msg === 'request')
      .map((line) => ({ ...line, expected: { tokenId, projectId, token } }));
  }

  it('writes one line per /v1 request with its outcome, and never a token', async () => {
    const lines = await logged({});
    expect(lines).toHaveLength(2);
    const [ok, refused] = lines as [Record<string, unknown>, Record<string, unknown>];
    const expected = ok.expected as { tokenId: string; projectId: string; token: string };
    expect(ok).toMatchObject({ level: 'info', method: 'GET', route: '/v1/models', status: 200, token_id: expected.tokenId, project_id: expected.projectId, error_code: null });
    expect(typeof ok.duration_ms).toBe('number');
    expect(typeof ok.upstream_ms).toBe('number');
    expect(refused).toMatchObject({ status: 401, error_code: 'token_not_found', token_id: null, upstream_ms: null });
    const { expected: _expected, ...okLine } = ok;
    expect(JSON.stringify(okLine)).not.toContain(expected.token);
    expect(JSON.stringify(refused)).not.toContain('sk-unknown');
  });

  it('is off with LOG_REQUESTS=false', async () => {
    expect(await logged({ LOG_REQUESTS: 'false' })).toEqual([]);
  });
});
