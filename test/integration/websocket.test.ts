import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ProxyEvent } from '../../src/events/index.js';
import { unusedPort } from '../support/http-server.js';
import { rawRequest } from '../support/http.js';
import { HELD_PATH, REFUSED_BODY, REFUSED_PATH, startMockRealtime, type MockRealtime } from '../support/mock-realtime.js';
import { startHarness, UPSTREAM_KEY, type Harness } from '../support/proxy-harness.js';
import { makeTempDir } from '../support/temp-dir.js';

const KEY_PROTOCOL = 'openai-insecure-api-key.';

interface Refusal {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

function connect(baseUrl: string, path: string, options: { token?: string; protocols?: string[]; origin?: string } = {}): WebSocket {
  const headers = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  return new WebSocket(baseUrl.replace(/^http/, 'ws') + path, options.protocols ?? [], { headers, origin: options.origin });
}

/** Resolves with the 101 once the WebSocket is open. */
function opened(ws: WebSocket): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let switching: IncomingMessage | undefined;
    ws.once('upgrade', (response) => (switching = response));
    ws.once('open', () => resolve(switching as IncomingMessage));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Resolves with the HTTP answer that refused the upgrade. */
function refused(ws: WebSocket): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', () => undefined); // ws reports the refusal as an error too, after the response event
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(1006) : ws.once('close', resolve)));
}

function errorCodeOf(refusal: Refusal): string | undefined {
  return (JSON.parse(refusal.body) as { error?: { code?: string } }).error?.code;
}

describe('WebSocket upgrades on /v1', () => {
  let realtime: MockRealtime;
  let harness: Harness;
  let token: string;
  const events: ProxyEvent[] = [];

  beforeAll(async () => {
    realtime = await startMockRealtime();
    harness = await startHarness({ OPENAI_API_URL: realtime.url });
    harness.proxy.events.subscribe((event) => events.push(event));
    token = (await harness.issueToken()).token;
  });
  afterAll(async () => {
    await harness.close();
    await realtime.close();
  });

  /** Opens a session and consumes the upstream's greeting. */
  async function openSession(options: { token?: string; protocols?: string[] }, path = '/v1/realtime?model=gpt-realtime') {
    const ws = connect(harness.url, path, options);
    const greeting = nextMessage(ws);
    const switching = await opened(ws);
    expect(JSON.parse(await greeting)).toEqual({ type: 'session.created' });
    const session = realtime.sessions.at(-1);
    if (session === undefined) throw new Error('the upstream saw no session');
    return { ws, switching, session };
  }

  it('relays messages both ways with the project key swapped in', async () => {
    const { ws, switching, session } = await openSession({ token });
    expect(switching.headers['x-request-id']).toBeTruthy();
    expect(session.url).toBe('/v1/realtime?model=gpt-realtime');
    expect(session.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(session.headers)).not.toContain(token);

    for (const text of ['hello', 'x'.repeat(100_000)]) {
      const echo = nextMessage(ws);
      ws.send(text);
      expect(await echo).toBe(text);
    }
    const fromUpstream = nextMessage(ws);
    session.socket.send('pushed by the upstream');
    expect(await fromUpstream).toBe('pushed by the upstream');
    ws.close();
    expect(await session.closed).toBe(1005);
  });

  it('refuses missing, unknown and revoked tokens with 401 before contacting the upstream', async () => {
    const revoked = await harness.issueToken();
    expect((await harness.manage('DELETE', `/manage/tokens/${revoked.tokenId}`)).status).toBe(200);
    const before = realtime.connections;
    const cases: [string | undefined, string][] = [
      [undefined, 'invalid_token'],
      ['sk-AAAAAAAAAAAAAAAAAAAAAA', 'token_not_found'],
      [revoked.token, 'token_inactive'],
    ];
    for (const [candidate, code] of cases) {
      const refusal = await refused(connect(harness.url, '/v1/realtime', { token: candidate }));
      expect(refusal.status).toBe(401);
      expect(errorCodeOf(refusal)).toBe(code);
      expect(refusal.headers['content-type']).toBe('application/json');
      expect(refusal.headers['content-length']).toBe(String(Buffer.byteLength(refusal.body)));
      expect(refusal.headers.connection).toBe('close');
      expect(refusal.headers['x-request-id']).toBeTruthy();
    }
    expect(realtime.connections).toBe(before);
  });

  it('refuses paths outside allowed_endpoints (404) and upgrades outside /v1', async () => {
    const before = realtime.connections;
    const notAllowed = await refused(connect(harness.url, '/v1/chat/realtime', { token }));
    expect(notAllowed.status).toBe(404);
    expect(errorCodeOf(notAllowed)).toBe('endpoint_not_found');
    const outside = await refused(connect(harness.url, '/manage/projects', { token }));
    expect(outside.status).toBe(404);
    expect(errorCodeOf(outside)).toBe('not_found');
    const notWebSocket = await rawRequest(harness.url, { path: '/v1/realtime', headers: { connection: 'Upgrade', upgrade: 'h2c', authorization: `Bearer ${token}` } });
    expect(notWebSocket.status).toBe(400);
    expect(realtime.connections).toBe(before);
  });

  it('accepts the token as an openai-insecure-api-key sub-protocol and sends the project key in its place', async () => {
    const { ws, switching, session } = await openSession({ protocols: ['realtime', KEY_PROTOCOL + token] });
    expect(ws.protocol).toBe('realtime');
    expect(switching.headers['sec-websocket-protocol']).toBe('realtime');
    expect(session.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(session.headers['sec-websocket-protocol']).toBe(`realtime, ${KEY_PROTOCOL}${UPSTREAM_KEY}`);
    expect(JSON.stringify(session.headers)).not.toContain(token);
    const echo = nextMessage(ws);
    ws.send('via sub-protocol');
    expect(await echo).toBe('via sub-protocol');
    ws.close();
    await session.closed;

    const refusal = await refused(connect(harness.url, '/v1/realtime', { protocols: [`${KEY_PROTOCOL}sk-AAAAAAAAAAAAAAAAAAAAAA`] }));
    expect(refusal.status).toBe(401);
    expect(errorCodeOf(refusal)).toBe('token_not_found');
  });

  it('never shows the project key to the client when the upstream picks the key sub-protocol', async () => {
    // The mock picks the first protocol offered: here the key entry, which carries the project key upstream.
    const { ws, switching, session } = await openSession({ protocols: [KEY_PROTOCOL + token, 'realtime'] });
    expect(ws.protocol).toBe(KEY_PROTOCOL + token);
    expect(JSON.stringify(switching.headers)).not.toContain(UPSTREAM_KEY);
    ws.close();
    await session.closed;
  });

  it('closes the upstream when the client goes away, and the client when the upstream does', async () => {
    const first = await openSession({ token });
    first.ws.terminate(); // no close frame: the TCP connection just ends
    expect(await first.session.closed).toBe(1006);

    const second = await openSession({ token });
    const clientClosed = closed(second.ws);
    second.session.socket.close(1000, 'bye');
    expect(await clientClosed).toBe(1000);
  });

  it('aborts the upstream request when the client leaves before the upstream answered', async () => {
    const ws = connect(harness.url, HELD_PATH, { token });
    ws.on('error', () => undefined);
    await expect.poll(() => realtime.held.length).toBe(1);
    const clientClosed = closed(ws);
    ws.terminate();
    await clientClosed;
    await realtime.held[0]; // the upstream connection closes: resolved, not left hanging
    await expect.poll(() => events.some((event) => event.path === HELD_PATH)).toBe(true);
    expect(events.find((event) => event.path === HELD_PATH)).toMatchObject({ status: 0, aborted: true, error_code: 'canceled' });
  });

  it('passes an upstream refusal of the upgrade through', async () => {
    const refusal = await refused(connect(harness.url, REFUSED_PATH, { token }));
    expect(refusal.status).toBe(401);
    expect(refusal.body).toBe(REFUSED_BODY);
    expect(refusal.headers['x-upstream-request-id']).toBe('req_upstream_ws');
  });

  it('counts an upgrade as a request of the token', async () => {
    const limited = await harness.issueToken({ maxRequests: 1 });
    const { ws, session } = await openSession({ token: limited.token });
    ws.close();
    await session.closed;
    const refusal = await refused(connect(harness.url, '/v1/realtime', { token: limited.token }));
    expect(refusal.status).toBe(429);
    expect(errorCodeOf(refusal)).toBe('token_quota_exhausted');
  });

  it('publishes one event per connection with its duration and the bytes each way', async () => {
    const issued = await harness.issueToken();
    const { ws, switching, session } = await openSession({ token: issued.token });
    const echo = nextMessage(ws);
    ws.send('y'.repeat(1000));
    await echo;
    const clientClosed = closed(ws);
    ws.close();
    await clientClosed;
    await session.closed;
    const requestId = switching.headers['x-request-id'];
    await expect.poll(() => events.filter((event) => event.request_id === requestId).length).toBe(1);
    const event = events.find((candidate) => candidate.request_id === requestId) as ProxyEvent;
    expect(event).toMatchObject({ method: 'GET', path: '/v1/realtime', status: 101, token_id: issued.tokenId, project_id: issued.projectId, error_code: null });
    expect(event.duration_ms).toBeGreaterThan(0);
    expect(event.upstream_ms).toBeGreaterThan(0);
    // 1000 bytes of payload each way, plus frame headers and the greeting and close frames.
    expect(event.bytes_in).toBeGreaterThan(1000);
    expect(event.bytes_in).toBeLessThan(1100);
    expect(event.bytes_out).toBeGreaterThan(1000 + '{"type":"session.created"}'.length);
    expect(event.bytes_out).toBeLessThan(1100);
    // The usage ledger counts the session as a request of its token.
    const usage = await harness.manage<{ totals: { requests: number } }>('GET', `/manage/usage?token_id=${issued.tokenId}`);
    expect(usage.body.totals.requests).toBe(1);
  });

  it('records a refused upgrade as an event with its status', async () => {
    const refusal = await refused(connect(harness.url, '/v1/realtime'));
    const requestId = refusal.headers['x-request-id'];
    await expect.poll(() => events.some((event) => event.request_id === requestId)).toBe(true);
    expect(events.find((event) => event.request_id === requestId)).toMatchObject({ status: 401, error_code: 'invalid_token', token_id: null, bytes_in: 0, bytes_out: 0 });
  });
});

describe('WebSocket upgrades against a slow upstream, and at shutdown', () => {
  let realtime: MockRealtime;
  let harness: Harness;
  beforeAll(async () => {
    realtime = await startMockRealtime();
    harness = await startHarness({ OPENAI_API_URL: realtime.url, REQUEST_TIMEOUT: '300ms', SHUTDOWN_TIMEOUT: '300ms' });
  });
  afterAll(() => realtime.close());

  it('answers 504 when the upstream does not answer the upgrade in time, but keeps a quiet tunnel open', async () => {
    const { token } = await harness.issueToken();
    const refusal = await refused(connect(harness.url, HELD_PATH, { token }));
    expect(refusal.status).toBe(504);
    expect(errorCodeOf(refusal)).toBe('timeout');

    const ws = connect(harness.url, '/v1/realtime', { token });
    const greeting = nextMessage(ws);
    await opened(ws);
    await greeting;
    await new Promise((resolve) => setTimeout(resolve, 600)); // twice REQUEST_TIMEOUT without a byte
    const echo = nextMessage(ws);
    ws.send('still here');
    expect(await echo).toBe('still here');

    // Shutdown lets the tunnel run for SHUTDOWN_TIMEOUT, then cuts it.
    const clientClosed = closed(ws);
    await harness.close();
    expect(await clientClosed).toBe(1006);
  });
});

describe('WebSocket upgrades with allowed_origins', () => {
  let realtime: MockRealtime;
  let harness: Harness;
  let temp: { dir: string; remove: () => void };
  beforeAll(async () => {
    realtime = await startMockRealtime();
    temp = makeTempDir();
    const configPath = join(temp.dir, 'api_providers.yaml');
    writeFileSync(
      configPath,
      [
        'apis:',
        '  openai:',
        `    base_url: ${realtime.url}`,
        '    allowed_endpoints: [/v1/realtime]',
        '    allowed_methods: [GET, POST]',
        '    allowed_origins: [https://app.example]',
      ].join('\n'),
    );
    harness = await startHarness({ API_CONFIG_PATH: configPath });
  });
  afterAll(async () => {
    await harness.close();
    await realtime.close();
    temp.remove();
  });

  it('refuses an origin outside the list before contacting the upstream, and admits one in it', async () => {
    const { token } = await harness.issueToken();
    const refusal = await refused(connect(harness.url, '/v1/realtime', { token, origin: 'https://evil.example' }));
    expect(refusal.status).toBe(403);
    expect(errorCodeOf(refusal)).toBe('origin_not_allowed');
    expect(realtime.connections).toBe(0);

    const ws = connect(harness.url, '/v1/realtime', { token, origin: 'https://app.example' });
    const greeting = nextMessage(ws);
    await opened(ws);
    await greeting;
    ws.close();
    await realtime.sessions[0]?.closed;
  });
});

describe('WebSocket upgrades with the upstream down', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ OPENAI_API_URL: `http://127.0.0.1:${await unusedPort()}` });
  });
  afterAll(() => harness.close());

  it('answers 502 upstream_unreachable', async () => {
    const { token } = await harness.issueToken();
    const refusal = await refused(connect(harness.url, '/v1/realtime', { token }));
    expect(refusal.status).toBe(502);
    expect(errorCodeOf(refusal)).toBe('upstream_unreachable');
  });
});
