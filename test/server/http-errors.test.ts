import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';

interface RawAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly error: { message: string; type: string; code: string } | undefined;
}

function parseAnswer(text: string): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const contentType = /^content-type: *(.+)$/im.exec(head)?.[1]?.trim();
  let error: RawAnswer['error'];
  try {
    error = (JSON.parse(body) as { error?: RawAnswer['error'] }).error;
  } catch {
    error = undefined;
  }
  return { status, contentType, error };
}

/** Writes `text` on a fresh connection and reads until the server closes it (bounded). */
function exchange(baseUrl: string, text: string, onOpen?: (socket: Socket) => void): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(text);
      onOpen?.(socket);
    });
    let received = '';
    const giveUp = setTimeout(() => socket.destroy(), 5_000);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve(parseAnswer(received));
    });
  });
}

const AUTH = `Authorization: Bearer ${MANAGEMENT_TOKEN}\r\n`;

describe('errors raised by node and Fastify before any route are in the OpenAI shape', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  function expectOpenAiError(answer: RawAnswer, status: number, code: string): void {
    expect([answer.status, answer.error?.code]).toEqual([status, code]);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.error?.type).toBe('invalid_request_error');
    expect(answer.error?.message.length).toBeGreaterThan(5);
  }

  it.each([
    ['a request line node cannot parse', 'GARBAGE\r\n\r\n', 400, 'malformed_request'],
    ['a header without a colon', 'GET /v1/models HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n', 400, 'malformed_request'],
    ['an HTTP/1.1 request without Host', 'GET /health HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'malformed_request'],
    ['a URI longer than the header limit (/v1)', `GET /v1/models?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'uri_too_long'],
    ['a URI longer than the header limit (/manage)', `GET /manage/projects?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'uri_too_long'],
    [
      'headers larger than the limit',
      `GET /v1/models HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 40 }, (_, i) => `X-Filler-${i}: ${'b'.repeat(500)}\r\n`).join('')}\r\n`,
      431,
      'headers_too_large',
    ],
  ])('node: %s', async (_name, request, status, code) => {
    expectOpenAiError(await exchange(harness.url, request), status, code);
  });

  it('node: headers that do not arrive in time (408)', async () => {
    // Node raises ERR_HTTP_REQUEST_TIMEOUT on the connection through the server's 'clientError'
    // event when headersTimeout passes; raised here on a real half-sent request, without the wait.
    const serverSide = new Promise<Socket>((resolve) => harness.proxy.server.once('connection', resolve));
    const answer = await exchange(harness.url, 'GET /v1/models HTTP/1.1\r\nHost: x\r\n', () => {
      void serverSide.then((socket) => {
        const timeout = Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
        harness.proxy.server.emit('clientError', timeout, socket);
      });
    });
    expectOpenAiError(answer, 408, 'request_timeout');
  });

  it.each([
    ['a URL that cannot be decoded', `GET /manage/projects/%zz HTTP/1.1\r\nHost: x\r\n${AUTH}Connection: close\r\n\r\n`, 400, 'invalid_request'],
    ['a path parameter over the router limit', `GET /manage/projects/${'p'.repeat(200)} HTTP/1.1\r\nHost: x\r\n${AUTH}Connection: close\r\n\r\n`, 414, 'uri_too_long'],
    ['an unknown route', 'GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404, 'not_found'],
    [
      'a content type it has no parser for',
      `POST /manage/projects HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/xml\r\nContent-Length: 4\r\nConnection: close\r\n\r\n<a/>`,
      415,
      'unsupported_media_type',
    ],
    [
      'a body that is not JSON',
      `POST /manage/projects HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{oops`,
      400,
      'invalid_request',
    ],
    [
      'a body over the management limit',
      `POST /manage/projects HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/json\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n${' '.repeat(2_000_000)}`,
      413,
      'request_too_large',
    ],
  ])('Fastify: %s', async (_name, request, status, code) => {
    expectOpenAiError(await exchange(harness.url, request), status, code);
  });

  it('keeps serving after all of them', async () => {
    expect((await fetch(`${harness.url}/health`)).status).toBe(200);
  });
});

describe('a management request on a kept-alive connection during shutdown', () => {
  it('is still answered, with Connection: close', async () => {
    const harness = await startHarness();
    const url = new URL(harness.url);
    const socket = connect(Number(url.port), url.hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.on('close', resolve));
    const giveUp = setTimeout(() => socket.destroy(), 10_000);
    try {
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      while (!received.includes('"status":"ok"')) await new Promise((resolve) => setTimeout(resolve, 10));
      const closing = harness.proxy.close();
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      await closed;
      await closing;
    } finally {
      clearTimeout(giveUp);
      socket.destroy();
      await harness.mock.close();
    }
    const second = received.slice(received.indexOf('HTTP/1.1', 1));
    expect(parseAnswer(second)).toMatchObject({ status: 200, contentType: expect.stringMatching(/^application\/json/) });
    expect(second).toMatch(/^connection: close$/im);
  });
});
