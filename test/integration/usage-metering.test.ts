import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { leaveStreamEarly } from '../support/http.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { streamChat, streamUsage } from '../support/mock-openai.js';

/** Collects the events of the harness's bus. */
function recordEvents(harness: Harness) {
  const events: ProxyEvent[] = [];
  harness.proxy.events.subscribe((event) => events.push(event));
  return {
    events,
    /** The event of the call with this request id, once published. */
    async of(requestId: string): Promise<ProxyEvent> {
      await expect.poll(() => events.some((event) => event.request_id === requestId), { timeout: 5000 }).toBe(true);
      return events.find((event) => event.request_id === requestId) as ProxyEvent;
    },
  };
}

/** POSTs a JSON body and returns status and the raw response body. */
async function post(url: string, token: string, body: unknown, requestId: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.text() };
}

describe('usage metering through the proxy', () => {
  let harness: Harness;
  let token: string;
  let recorder: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    harness = await startHarness();
    token = (await harness.issueToken()).token;
    recorder = recordEvents(harness);
  });
  afterAll(async () => harness.close());

  it('reads usage from a JSON answer, with the model of the request', async () => {
    await post(harness.url, token, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, 'usage-json');
    const event = await recorder.of('usage-json');
    expect(event).toMatchObject({ schema_version: 1, model: 'gpt-4o-mini', stream: false, status: 200 });
    expect(event.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, cached_tokens: 0, reasoning_tokens: 0, source: 'provider' });
  });

  it('asks a stream for its usage when the client did not, and the client gets the bytes it would have got without', async () => {
    const sent = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"one two three"}]}';
    const viaProxy = await post(harness.url, token, sent, 'usage-stream-injected');
    const upstreamSaw = harness.mock.received.at(-1)?.body ?? '';
    expect(JSON.parse(upstreamSaw)).toMatchObject({ stream_options: { include_usage: true } });
    expect(upstreamSaw).toBe(`{"stream_options":{"include_usage":true},${sent.slice(1)}`);
    // What the upstream sends a client that does not ask for usage:
    const direct = await fetch(`${harness.mock.url}/v1/chat/completions`, { method: 'POST', body: sent });
    expect(viaProxy.body).toBe(await direct.text());
    expect(viaProxy.body).not.toContain('usage');
    const event = await recorder.of('usage-stream-injected');
    expect(event.stream).toBe(true);
    const { prompt_tokens, completion_tokens, total_tokens } = streamUsage(['echo: ', 'one ', 'two ', 'three']);
    expect(event.usage).toEqual({ prompt_tokens, completion_tokens, total_tokens, cached_tokens: 2, reasoning_tokens: 0, source: 'provider' });
  });

  it('forwards a client that asked for usage itself untouched, and it sees the usage chunk', async () => {
    const sent = '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a"}]}';
    const viaProxy = await post(harness.url, token, sent, 'usage-stream-asked');
    expect(harness.mock.received.at(-1)?.body).toBe(sent);
    expect(viaProxy.body).toContain('"usage":{"prompt_tokens":7');
    expect((await recorder.of('usage-stream-asked')).usage.source).toBe('provider');
  });

  it('works with the official SDK streaming: no usage chunk, usage in the event', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, defaultHeaders: { 'x-request-id': 'usage-sdk' } });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'sdk' }] });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('echo: sdk');
    expect(chunks.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk))).toBe(true);
    expect((await recorder.of('usage-sdk')).usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 2, source: 'provider' });
  });

  it('reads the usage of a Responses API stream from response.completed', async () => {
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, defaultHeaders: { 'x-request-id': 'usage-responses' } });
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'hello', stream: true });
    for await (const _event of stream) void _event;
    expect((await recorder.of('usage-responses')).usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4, source: 'provider' });
  });

  it('reads usage from a gzip-compressed answer', async () => {
    harness.mock.route('/v1/embeddings', (_req, res) => {
      const body = gzipSync(JSON.stringify({ object: 'list', data: [{ embedding: new Array(4000).fill(0.5) }], usage: { prompt_tokens: 12, total_tokens: 12 } }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) });
      res.end(body);
    });
    const response = await fetch(`${harness.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'usage-gzip', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect((await recorder.of('usage-gzip')).usage).toMatchObject({ prompt_tokens: 12, total_tokens: 12, source: 'provider' });
  });

  it('estimates the usage of a stream the client left mid-way, with the real tokenizer', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => streamChat(res, Array.from({ length: 100 }, (_, i) => `word${i} `), 20));
    await leaveStreamEarly(harness.url, token, 600, { 'x-request-id': 'usage-cut' });
    const event = await recorder.of('usage-cut');
    expect(event.aborted).toBe(true);
    expect(event.usage.source).toBe('estimated');
    expect(event.usage.prompt_tokens).toBeGreaterThan(3);
    expect(event.usage.completion_tokens).toBeGreaterThan(0);
    expect(event.usage.completion_tokens).toBeLessThan(100 * 3);
    expect(harness.mock.aborts).toContain('/v1/chat/completions');
  });

  it('says missing for an error answer', async () => {
    harness.mock.route('/v1/chat/completions', (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad"}}');
    });
    await post(harness.url, token, { model: 'gpt-4o-mini', messages: [] }, 'usage-error');
    expect((await recorder.of('usage-error')).usage.source).toBe('missing');
  });
});

describe('event body excerpts and USAGE_INJECT_STREAM_OPTIONS=false', () => {
  let harness: Harness;
  let token: string;
  let recorder: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    harness = await startHarness({ USAGE_INJECT_STREAM_OPTIONS: 'false', OBSERVABILITY_MAX_REQUEST_BODY_BYTES: '120', OBSERVABILITY_MAX_RESPONSE_BODY_BYTES: '1KiB' });
    token = (await harness.issueToken()).token;
    recorder = recordEvents(harness);
  });
  afterAll(async () => harness.close());

  it('forwards a stream request untouched when injection is off', async () => {
    const sent = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"x"}]}';
    await post(harness.url, token, sent, 'no-inject');
    expect(harness.mock.received.at(-1)?.body).toBe(sent);
    // No usage from the provider, and a whole answer is not estimated.
    expect((await recorder.of('no-inject')).usage.source).toBe('missing');
  });

  it('keeps bounded excerpts of both bodies, with secrets redacted', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `my key is ${secret} and ${token}` }, { role: 'user', content: 'x'.repeat(500) }] };
    await post(harness.url, token, body, 'excerpts');
    const event = await recorder.of('excerpts');
    expect(event.request_body?.truncated).toBe(true);
    expect(event.request_body?.bytes).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(Buffer.byteLength(event.request_body?.text ?? '')).toBeLessThanOrEqual(120);
    expect(event.request_body?.text).toContain('sk-[redacted]');
    expect(JSON.stringify(event)).not.toContain(secret);
    expect(JSON.stringify(event)).not.toContain(token);
    expect(event.response_body).toMatchObject({ truncated: false });
    expect(JSON.parse(event.response_body?.text ?? '{}')).toMatchObject({ object: 'chat.completion' });
  });
});
