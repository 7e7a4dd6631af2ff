import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChat } from '../support/mock-openai.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { errorCodeOf, postChunked, rawRequest } from '../support/http.js';

/** Headers through which a client (or a proxy in front of us) says who and where it is: never forwarded. */
const CLIENT_IDENTITY_HEADERS = {
  forwarded: 'for=10.0.0.3;proto=https;host=evil.example',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-server': 'edge-1',
  'true-client-ip': '10.0.0.4',
  'x-cluster-client-ip': '10.0.0.5',
  via: '1.1 edge-proxy',
  'client-ip': '10.0.0.6',
  'fastly-client-ip': '10.0.0.7',
  'cf-connecting-ip': '10.0.0.8',
};

describe('the data path', () => {
  let harness: Harness;
  let token: string;
  beforeAll(async () => {
    harness = await startHarness({ REQUEST_TIMEOUT: '1s', MAX_REQUEST_SIZE: '1MiB' });
    ({ token } = await harness.issueToken());
  });
  afterAll(() => harness.close());

  const auth = () => ({ authorization: `Bearer ${token}` });

  it('refuses what the policy does not allow without contacting the upstream', async () => {
    const before = harness.mock.received.length;
    const cases: [string, string, number, string][] = [
      ['PUT', '/v1/models', 405, 'method_not_allowed'],
      ['GET', '/v1/modelsX', 404, 'endpoint_not_found'],
      ['GET', '/v1/admin', 404, 'endpoint_not_found'],
      ['GET', '/v1/models/../../admin', 400, 'invalid_path'],
      ['GET', '/v1/models/..%2F..%2Fadmin', 400, 'invalid_path'],
      ['GET', '/v1//models', 400, 'invalid_path'],
      ['GET', '/v1/models/%252e%252e/%252e%252e/admin', 400, 'invalid_path'],
      ['GET', '/v1/models/..%252f..%252fadmin', 400, 'invalid_path'],
      ['GET', '/v1/models/..;/..;/admin', 400, 'invalid_path'],
      ['GET', '/v1/models/.;/gpt-4o', 400, 'invalid_path'],
      ['GET', '/v1/models/..%3b/admin', 400, 'invalid_path'],
    ];
    for (const [method, path, status, code] of cases) {
      const response = await rawRequest(harness.url, { method, path, headers: auth() });
      expect([path, response.status, errorCodeOf(response)]).toEqual([path, status, code]);
    }
    expect(harness.mock.received.length).toBe(before);
  });

  it('forwards path, query and body untouched, and strips hop-by-hop and client-identity headers', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'héllo' }] });
    const response = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions?trace=1&x=%20y',
      headers: {
        ...auth(),
        'content-type': 'application/json',
        expect: '100-continue',
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'keep-alive': 'timeout=5',
        'x-forwarded-for': '10.0.0.1',
        'x-real-ip': '10.0.0.2',
        ...CLIENT_IDENTITY_HEADERS,
        'openai-organization': 'org-client-choice',
        'openai-project': 'proj_client_choice',
        'x-custom': 'kept',
      },
      body,
    });
    expect(response.status).toBe(200);
    const upstream = harness.mock.received.at(-1);
    expect(upstream?.url).toBe('/v1/chat/completions?trace=1&x=%20y');
    expect(upstream?.body).toBe(body);
    expect(upstream?.headers).toMatchObject({ 'x-custom': 'kept', 'content-type': 'application/json' });
    const dropped = ['x-hop', 'keep-alive', 'x-forwarded-for', 'x-real-ip', 'expect', 'openai-organization', 'openai-project'];
    for (const name of [...dropped, ...Object.keys(CLIENT_IDENTITY_HEADERS)]) expect([name, upstream?.headers[name]]).toEqual([name, undefined]);
    expect(upstream?.headers.host).toBe(new URL(harness.mock.url).host);
  });

  it('streams a large request body through unchanged', async () => {
    const payload = Buffer.alloc(900 * 1024, 'abcdefgh');
    const response = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/files',
      headers: { ...auth(), 'content-type': 'application/octet-stream' },
      body: payload,
    });
    expect(response.status).toBe(404); // the mock has no /v1/files; what matters is what it received
    const received = harness.mock.received.at(-1);
    expect(createHash('sha256').update(received?.body ?? '').digest('hex')).toBe(createHash('sha256').update(payload.toString()).digest('hex'));
  });

  it('refuses bodies over MAX_REQUEST_SIZE, declared or chunked', async () => {
    const before = harness.mock.received.length;
    const declared = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: Buffer.alloc(2 * 1024 * 1024, 'a'),
    });
    expect([declared.status, errorCodeOf(declared)]).toEqual([413, 'request_too_large']);
    expect(harness.mock.received.length).toBe(before);

    const chunked = await postChunked(harness.url, auth().authorization, 24);
    expect(chunked).toBe(413);
  });

  it('streams SSE chunk by chunk, with no total-time cut-off', async () => {
    // 8 chunks 250 ms apart: 2 s in all, twice REQUEST_TIMEOUT, which only bounds silence.
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 250));
    const arrivals: number[] = [];
    const started = Date.now();
    const text = await new Promise<string>((resolve, reject) => {
      const url = new URL(harness.url);
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/v1/chat/completions', headers: { ...auth(), 'content-type': 'application/json' } },
        (res) => {
          let all = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            arrivals.push(Date.now() - started);
            all += chunk;
          });
          res.on('end', () => resolve(all));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }));
    });
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, ['x']));
    expect(text.match(/^data: /gm)).toHaveLength(10);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(arrivals.length).toBeGreaterThanOrEqual(8);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(1500); // delivered as produced, not at the end
  });

  it('aborts the upstream request when the client goes away', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, Array.from({ length: 200 }, () => 'tick '), 50));
    await new Promise<void>((resolve, reject) => {
      const url = new URL(harness.url);
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/v1/chat/completions', headers: { ...auth(), 'content-type': 'application/json' } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => undefined);
      req.end('{"stream":true}');
      setTimeout(() => reject(new Error('no first chunk')), 3000);
    });
    await expect.poll(() => harness.mock.aborts.includes('/v1/chat/completions'), { timeout: 3000 }).toBe(true);
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, ['x']));
  });

  it('answers 504 when the upstream stays silent past REQUEST_TIMEOUT', async () => {
    harness.mock.route('/v1/embeddings', () => new Promise(() => undefined));
    const response = await rawRequest(harness.url, { method: 'POST', path: '/v1/embeddings', headers: auth(), body: '{}' });
    expect([response.status, errorCodeOf(response)]).toEqual([504, 'timeout']);
  });

  it('cuts a stream whose upstream stalls for longer than REQUEST_TIMEOUT', async () => {
    harness.mock.route('/v1/embeddings', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n'); // then nothing, ever
    });
    const outcome = await new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
      const url = new URL(harness.url);
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/v1/embeddings', headers: auth() }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('close', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(outcome).toEqual({ status: 200, body: 'data: first\n\n', complete: false });
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await startHarness({ OPENAI_API_URL: `http://127.0.0.1:${port}` });
    try {
      const issued = await down.issueToken();
      const response = await rawRequest(down.url, { path: '/v1/models', headers: { authorization: `Bearer ${issued.token}` } });
      expect([response.status, errorCodeOf(response)]).toEqual([502, 'upstream_unreachable']);
    } finally {
      await down.close();
    }
  });

  it('passes upstream errors through verbatim', async () => {
    harness.mock.route('/v1/moderations', (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}');
    });
    const response = await rawRequest(harness.url, { method: 'POST', path: '/v1/moderations', headers: auth(), body: '{}' });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.body).toBe('{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}');
  });

  it('keeps a safe client X-Request-ID, replaces an unsafe one, and echoes X-REQUEST-START', async () => {
    const kept = await rawRequest(harness.url, { path: '/v1/models', headers: { ...auth(), 'x-request-id': 'trace-42', 'x-request-start': '1700000000000000000' } });
    expect(kept.headers['x-request-id']).toBe('trace-42');
    expect(kept.headers['x-request-start']).toBe('1700000000000000000');
    const replaced = await rawRequest(harness.url, { path: '/v1/models', headers: { ...auth(), 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]{8,}$/);
  });

  it('answers CORS preflights and adds CORS headers to responses', async () => {
    const preflight = await rawRequest(harness.url, {
      method: 'OPTIONS',
      path: '/v1/chat/completions',
      headers: { origin: 'https://app.example', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-headers': 'authorization, content-type',
    });
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    harness.mock.route('/v1/models', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end('{"object":"list","data":[]}');
    });
    const actual = await rawRequest(harness.url, { path: '/v1/models', headers: { ...auth(), origin: 'https://app.example' } });
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example'); // once: the upstream's is dropped
    expect(actual.headers['access-control-expose-headers']).toContain('X-Request-ID');
    expect(actual.headers.vary).toContain('Origin');
    const refused = await rawRequest(harness.url, { path: '/v1/models', headers: { origin: 'https://app.example' } });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('serves /health and /ready next to the proxy', async () => {
    const health = await rawRequest(harness.url, { path: '/health' });
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', version: '0.1.0' });
    const ready = await rawRequest(harness.url, { path: '/ready' });
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { status: 'ready', database: 'ok' }]);
  });

  it('publishes an event for every call', async () => {
    const seen: { path: string; status: number; token_id: string | null; error_code: string | null }[] = [];
    const unsubscribe = harness.proxy.events.subscribe((event) => seen.push(event));
    await rawRequest(harness.url, { path: '/v1/models', headers: auth() });
    await rawRequest(harness.url, { path: '/v1/models' });
    await expect.poll(() => seen.length).toBe(2);
    unsubscribe();
    expect(seen[0]).toMatchObject({ path: '/v1/models', status: 200, error_code: null });
    expect(seen[0]?.token_id).toBeTruthy();
    expect(seen[1]).toMatchObject({ status: 401, error_code: 'invalid_token', token_id: null });
  });
});
