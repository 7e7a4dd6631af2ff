import { Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange, ProxyStage } from '../../src/proxy/index.js';
import { ProxyError } from '../../src/errors.js';
import { findTokenById } from '../../src/store/index.js';
import { errorCodeOf, rawRequest } from '../support/http.js';
import { streamChat } from '../support/mock-openai.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

/** What the stages under test saw, per request id. */
const seen = new Map<string, { chunks: number; bytes: number; ended?: boolean; completed?: { status: number; errorCode: string | null } }>();

function record(exchange: Exchange) {
  let entry = seen.get(exchange.requestId);
  if (entry === undefined) {
    entry = { chunks: 0, bytes: 0 };
    seen.set(exchange.requestId, entry);
  }
  return entry;
}

/** The example of DEVELOPERS.md: observes every response body as it passes, at no cost to others. */
const countingStage: ProxyStage = {
  name: 'counting',
  beforeUpstream(exchange) {
    if (exchange.req.headers['x-test'] !== 'count') return;
    const entry = record(exchange);
    exchange.addTap({
      chunk(chunk) {
        entry.chunks += 1;
        entry.bytes += chunk.length;
      },
      end(complete) {
        entry.ended = complete;
      },
    });
  },
  complete(exchange) {
    if (exchange.req.headers['x-test'] !== undefined) record(exchange).completed = { status: exchange.status, errorCode: exchange.errorCode };
  },
};

/** Answers by itself, refuses, or rewrites the body, as the x-test header says. */
const steeringStage: ProxyStage = {
  name: 'steering',
  needsBody: (exchange) => exchange.req.headers['x-test'] === 'rewrite',
  beforeUpstream(exchange) {
    const mode = exchange.req.headers['x-test'];
    if (mode === 'answer') {
      exchange.res.writeHead(200, { 'content-type': 'application/json', 'x-answered-by': 'steering' }).end('{"answered":true}');
      return true;
    }
    if (mode === 'refuse') throw new ProxyError('param_not_allowed', 'refused by the steering stage');
    if (mode === 'rewrite') {
      const body = JSON.parse((exchange.requestBody as Buffer).toString('utf8')) as Record<string, unknown>;
      exchange.requestBody = Buffer.from(JSON.stringify({ ...body, injected: 'yes, a longer body than before' }));
    }
    if (mode === 'shout') {
      exchange.addResponseHeader('X-Shouted', 'true');
      exchange.responseTransform = () =>
        new Transform({ transform: (chunk: Buffer, _encoding, done) => done(null, Buffer.from(chunk.toString('utf8').toUpperCase())) });
    }
    return undefined;
  },
};

describe('pipeline stages', () => {
  let harness: Harness;
  let token: string;
  let tokenId: string;

  beforeAll(async () => {
    harness = await startHarness({}, { extraStages: [countingStage, steeringStage] });
    ({ token, tokenId } = await harness.issueToken({ maxRequests: 100 }));
  });
  afterAll(() => harness.close());

  async function send(mode: string, body = '{"model":"gpt-4o-mini","messages":[]}') {
    const response = await rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-test': mode },
      body,
    });
    return { response, id: response.headers['x-request-id'] as string };
  }

  async function requestCount(): Promise<number> {
    return (await findTokenById(harness.proxy.database, tokenId))?.requestCount ?? -1;
  }

  it('lets a tap see every chunk of a stream as it passes, then its end', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, ['a', 'b', 'c'], 20));
    const { response, id } = await send('count');
    await new Promise((resolve) => setImmediate(resolve));
    expect(response.status).toBe(200);
    const entry = seen.get(id);
    expect(entry?.bytes).toBe(Buffer.byteLength(response.body));
    expect(entry?.chunks).toBeGreaterThanOrEqual(3);
    expect(entry?.ended).toBe(true);
    expect(entry?.completed).toEqual({ status: 200, errorCode: null });
  });

  it('lets a stage answer by itself: nothing goes upstream and the token is not counted', async () => {
    const upstreamBefore = harness.mock.received.length;
    const countBefore = await requestCount();
    const { response } = await send('answer');
    expect([response.status, response.headers['x-answered-by'], response.body]).toEqual([200, 'steering', '{"answered":true}']);
    expect(harness.mock.received.length).toBe(upstreamBefore);
    expect(await requestCount()).toBe(countBefore);
  });

  it('turns a ProxyError thrown by a stage into its refusal, uncounted, and still completes the exchange', async () => {
    const countBefore = await requestCount();
    const { response, id } = await send('refuse');
    await new Promise((resolve) => setImmediate(resolve));
    expect([response.status, errorCodeOf(response)]).toEqual([400, 'param_not_allowed']);
    expect(JSON.parse(response.body).error.message).toBe('refused by the steering stage');
    expect(await requestCount()).toBe(countBefore);
    expect(seen.get(id)?.completed).toEqual({ status: 400, errorCode: 'param_not_allowed' });
  });

  it('sends a body a stage replaced, with its new length', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await send('rewrite');
    const received = harness.mock.received.at(-1);
    expect(JSON.parse(received?.body ?? '{}')).toMatchObject({ model: 'gpt-4o-mini', injected: 'yes, a longer body than before' });
    expect(Number(received?.headers['content-length'])).toBe(Buffer.byteLength(received?.body ?? ''));
  });

  it('rewrites a response body through a stage transform, and adds its headers', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
    });
    const { response } = await send('shout');
    expect([response.status, response.body, response.headers['x-shouted'], response.headers['content-length']]).toEqual([200, 'HELLO', 'true', undefined]);
  });

  it('counts each forwarded request once', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const countBefore = await requestCount();
    await send('none');
    expect(await requestCount()).toBe(countBefore + 1);
  });
});
