import { connect } from 'node:net';
import { request } from 'node:http';
import OpenAI, { APIError, toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { findTokenById } from '../../src/store/index.js';
import { errorCodeOf, postChunked, rawRequest } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes raw bytes on a fresh connection and collects everything the server sends until it closes or `waitMs` passes. */
function rawExchange(url: string, steps: (socket: ReturnType<typeof connect>) => Promise<void>, waitMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('connect', () => void steps(socket).catch(reject));
  });
}

describe('data path limits and failures', () => {
  let harness: Harness;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness({
      REQUEST_TIMEOUT: '1s',
      MAX_REQUEST_SIZE: '1MiB',
      CLIENT_BODY_TIMEOUT: '1s',
      UPSTREAM_MAX_CONNECTIONS: '2',
      UPSTREAM_MAX_QUEUE: '1',
    });
    ({ token } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  const auth = () => ({ authorization: `Bearer ${token}` });

  it('does not time out a stream while the client is slow to read it (backpressure is not upstream silence)', async () => {
    const total = 64 * 1024 * 1024;
    harness.mock.route('/v1/files/big/content', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    });
    const events: ProxyEvent[] = [];
    const unsubscribe = harness.proxy.events.subscribe((event) => events.push(event));
    const { hostname, port } = new URL(harness.url);
    const received = await new Promise<number>((resolve, reject) => {
      const req = request({ host: hostname, port, path: '/v1/files/big/content', headers: auth() }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes === chunk.length) {
            res.pause(); // three times REQUEST_TIMEOUT without reading
            setTimeout(() => res.resume(), 3000);
          }
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    await sleep(50);
    unsubscribe();
    expect(received).toBe(total);
    expect(events.find((event) => event.path === '/v1/files/big/content')?.error_code).toBeNull();
  }, 30_000);

  it('relays a burst of small chunks to a slow client whole, then serves the next request on the same upstream connection', async () => {
    const events = Array.from({ length: 2000 }, (_, i) => `data: {"n":${i},"pad":"${'x'.repeat(40)}"}\n\n`);
    harness.mock.route('/v1/files/burst/content', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of events) res.write(event); // many chunks per read on the proxy's side
      res.end();
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const { hostname, port } = new URL(harness.url);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: hostname, port, path: '/v1/files/burst/content', headers: auth() }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.once('data', (chunk: string) => {
            text += chunk;
            res.pause(); // the client falls behind while the whole burst arrives
            setTimeout(() => res.on('data', (more: string) => (text += more)).resume(), 300);
          });
          res.on('end', () => resolve(text));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe(events.join(''));
      const next = await rawRequest(harness.url, { path: '/v1/models', headers: auth() });
      expect(next.status).toBe(200);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('caps upstream connections and refuses with 503 upstream_busy and Retry-After past the queue, uncounted', async () => {
    const capped = await harness.issueToken({ maxRequests: 50 });
    const held: (() => void)[] = [];
    harness.mock.route('/v1/models', (_req, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}'));
    });
    const upstreamBefore = harness.mock.received.length;
    const finished: Awaited<ReturnType<typeof rawRequest>>[] = [];
    const responses = Array.from({ length: 5 }, () =>
      rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${capped.token}` } }).then((response) => {
        finished.push(response);
        return response;
      }),
    );
    // Two requests reach the upstream, one waits for a connection, the other two are refused at once.
    while (finished.length < 2) await sleep(20);
    for (const response of finished) {
      expect([response.status, errorCodeOf(response), response.headers['retry-after']]).toEqual([503, 'upstream_busy', '1']);
    }
    expect(harness.mock.received.length - upstreamBefore).toBe(2);
    while (finished.length < 5) {
      held.shift()?.();
      await sleep(20);
    }
    const statuses = (await Promise.all(responses)).map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503, 503]);
    expect((await findTokenById(harness.proxy.database, capped.tokenId))?.requestCount).toBe(3);
    harness.mock.route('/v1/models', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
    });
  });

  it('cuts a client that stops sending its body (408 body_timeout) before the upstream is called', async () => {
    const upstreamBefore = harness.mock.received.length;
    const answer = await rawExchange(harness.url, async (socket) => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`,
      );
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"body_timeout"');
    expect(harness.mock.received.length).toBe(upstreamBefore);
  });

  it('cuts a client that trickles its body', async () => {
    const upstreamBefore = harness.mock.received.length;
    const answer = await rawExchange(harness.url, async (socket) => {
      socket.write(`POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100\r\n\r\n`);
      for (let i = 0; i < 40 && !socket.destroyed; i++) {
        socket.write('a');
        await sleep(100);
      }
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(harness.mock.received.length).toBe(upstreamBefore);
  });

  it('checks the token before asking for the body of an Expect: 100-continue request', async () => {
    const refused = await rawExchange(harness.url, async (socket) => {
      socket.write('POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-unknownunknownunknown1\r\nContent-Length: 500000\r\nExpect: 100-continue\r\n\r\n');
    });
    expect(refused).toMatch(/^HTTP\/1\.1 401 /);
    expect(refused).not.toContain('100 Continue');

    const body = '{"model":"text-embedding-3-small","input":"hi"}';
    const accepted = await rawExchange(harness.url, async (socket) => {
      socket.write(
        `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      );
      await new Promise((resolve) => socket.once('data', resolve));
      socket.write(body);
    });
    expect(accepted).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('lets the official SDK read a 413 for an upload over MAX_REQUEST_SIZE instead of a connection error', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const upload = client.files.create({ file: await toFile(Buffer.alloc(3 * 1024 * 1024, 'z'), 'big.jsonl'), purpose: 'batch' });
    const error = await upload.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(APIError);
    expect([(error as APIError).status, (error as APIError).code]).toEqual([413, 'request_too_large']);
  });

  it('gives a capped token its request back when a chunked body outgrows the limit', async () => {
    const capped = await harness.issueToken({ maxRequests: 5 });
    const status = await postChunked(harness.url, `Bearer ${capped.token}`, 24);
    expect(status).toBe(413);
    await sleep(100);
    expect((await findTokenById(harness.proxy.database, capped.tokenId))?.requestCount).toBe(0);
  });

  it('tells SDKs not to retry refusals that retrying cannot fix', async () => {
    const response = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: 'Bearer sk-unknownunknownunknown1' } });
    expect([response.status, response.headers['x-should-retry']]).toEqual([401, 'false']);
    const exhausted = await harness.issueToken({ maxRequests: 1 });
    await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${exhausted.token}` } });
    const over = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${exhausted.token}` } });
    expect([over.status, errorCodeOf(over), over.headers['x-should-retry']]).toEqual([429, 'token_quota_exhausted', 'false']);
  });

  it('advertises only the allowed methods in CORS preflights and exposes the upstream rate-limit headers', async () => {
    const preflight = await rawRequest(harness.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS');
    const answered = await rawRequest(harness.url, { path: '/v1/models', headers: { ...auth(), origin: 'https://app.example' } });
    const exposed = String(answered.headers['access-control-expose-headers']).toLowerCase();
    for (const name of ['retry-after', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-tokens', 'openai-processing-ms', 'x-request-id']) {
      expect(exposed).toContain(name);
    }
  });
});

describe('client connection limits', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ CLIENT_HEADER_TIMEOUT: '1s', MAX_CLIENT_CONNECTIONS: '3' });
  });
  afterAll(() => harness.close());

  it('closes a connection whose headers do not arrive in CLIENT_HEADER_TIMEOUT', async () => {
    const started = Date.now();
    const answer = await rawExchange(harness.url, async (socket) => {
      socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\n');
    }, 10_000);
    expect(Date.now() - started).toBeLessThan(9_000); // closed by the server, not by the test's own limit
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('accepts no more than MAX_CLIENT_CONNECTIONS connections at once', async () => {
    const { hostname, port } = new URL(harness.url);
    const sockets = Array.from({ length: 5 }, () => connect(Number(port), hostname));
    const closed = sockets.map((socket) => new Promise<boolean>((resolve) => {
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 1500);
    }));
    const outcome = await Promise.all(closed);
    sockets.forEach((socket) => socket.destroy());
    expect(outcome.filter(Boolean).length).toBe(2);
  });
});
