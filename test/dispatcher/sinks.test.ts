import { createHmac } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  SinkError} from '../../src/dispatcher/index.js';
import {
  SinkUnreachableError,
  createFileSink,
  createHeliconeSink,
  createLunarySink,
  createWebhookSink,
  type Sink,
} from '../../src/dispatcher/index.js';
import type { ProxyEvent } from '../../src/events/index.js';
import { unusedPort } from '../support/http-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { makeEvent } from './fake-source.js';
import { startReceiver, type Answer, type Receiver } from './receiver.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(answer: (index: number) => Answer = () => ({ status: 200 })): Promise<Receiver> {
  const started = await startReceiver((_post, index) => answer(index));
  cleanups.push(started.close);
  return started;
}

function tempDir(): string {
  const temp = makeTempDir();
  cleanups.push(temp.remove);
  return temp.dir;
}

const signal = new AbortController().signal;
const sendFailure = (sink: Sink, events: readonly ProxyEvent[]) => sink.send(events, signal).then(() => undefined, (error: unknown) => error as SinkError);

/** A chat call with body excerpts and provider usage. */
function chatCall(overrides: Partial<ProxyEvent> = {}): ProxyEvent {
  return makeEvent({
    request_body: { text: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}', truncated: false, bytes: 62 },
    response_body: {
      text: '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]}',
      truncated: false,
      bytes: 110,
    },
    usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11, cached_tokens: 0, reasoning_tokens: 0, source: 'provider' },
    ...overrides,
  });
}

describe('file sink', () => {
  it('appends each event as one JSON line, the v1 event as is, to a file only its owner can read', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const sink = createFileSink(path);
    cleanups.push(() => sink.close());
    await sink.open();
    const first = [chatCall(), makeEvent({ method: 'GET', path: '/v1/models' })];
    const second = [makeEvent({ status: 401, error_code: 'invalid_token', token_id: null })];
    await sink.send(first, signal);
    await sink.send(second, signal);

    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([...first, ...second]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('reopens the file on reopen() (SIGHUP after logrotate moved it): later events go to a new file', async () => {
    const dir = tempDir();
    const path = join(dir, 'events.jsonl');
    const sink = createFileSink(path);
    cleanups.push(() => sink.close());
    await sink.open();
    const before = makeEvent();
    await sink.send([before], signal);
    renameSync(path, join(dir, 'events.jsonl.1'));
    const meanwhile = makeEvent();
    await sink.send([meanwhile], signal); // still the moved file, as logrotate expects until the signal
    await sink.reopen?.();
    const after = makeEvent();
    await sink.send([after], signal);

    const idsIn = (file: string) => readFileSync(join(dir, file), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as ProxyEvent).event_id);
    expect(idsIn('events.jsonl.1')).toEqual([before.event_id, meanwhile.event_id]);
    expect(idsIn('events.jsonl')).toEqual([after.event_id]);
  });

  it('starts on a new line when the file ends mid-line (a batch cut by kill -9): the next events stay whole', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const whole = JSON.stringify(makeEvent());
    writeFileSync(path, `${whole}\n${whole.slice(0, 40)}`, { mode: 0o600 });
    const sink = createFileSink(path);
    cleanups.push(() => sink.close());
    await sink.open();
    const events = [makeEvent(), makeEvent()];
    await sink.send(events, signal);
    await sink.send([makeEvent()], signal);

    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.slice(0, 2)).toEqual([whole, whole.slice(0, 40)]);
    expect(lines.slice(2, 4).map((line) => JSON.parse(line) as unknown)).toEqual(events);
    expect(lines).toHaveLength(5);
  });

  it('writes the JSON an event arrived as when the source kept it (no second serialization), unless it spans lines', async () => {
    const path = join(tempDir(), 'events.jsonl');
    const sink = createFileSink(path);
    cleanups.push(() => sink.close());
    await sink.open();
    const [kept, pretty, none] = [makeEvent(), makeEvent(), makeEvent()];
    const keptJson = JSON.stringify({ ...kept, published_by: 'another writer' }); // what Redis held, as is
    await sink.send([kept, pretty, none], signal, [keptJson, JSON.stringify(pretty, null, 2), undefined]);

    expect(readFileSync(path, 'utf8')).toBe(`${keptJson}\n${JSON.stringify(pretty)}\n${JSON.stringify(none)}\n`);
  });

  it('cannot be opened where no file can be created: SinkUnreachableError naming the path', async () => {
    const path = join(tempDir(), 'missing-dir', 'events.jsonl');
    const failure = await createFileSink(path).open().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SinkUnreachableError);
    expect((failure as Error).message).toContain(path);
  });
});

describe('webhook sink', () => {
  it('POSTs {"events":[…]} signed with HMAC-SHA256 of "<t>.<body>", and the same Idempotency-Key for a resent batch', async () => {
    const hook = await receiver();
    const sink = createWebhookSink({ endpoint: `${hook.url}/hooks/llm?secret-path=1`, secret: 'whsec-test', now: () => 1_750_000_000_123 });
    const events = [chatCall(), chatCall()];
    await sink.send(events, signal);
    await sink.send(events, signal);
    await sink.send([chatCall()], signal);

    const [first, resent, other] = hook.posts();
    expect(JSON.parse(first?.body ?? '')).toEqual({ events });
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.url).toBe('/hooks/llm?secret-path=1');

    // What a receiver does: recompute the HMAC over "<t>.<raw body>" and compare.
    const header = String(first?.headers['x-llm-proxy-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
    expect(match?.[1]).toBe('1750000000');
    const expected = createHmac('sha256', 'whsec-test').update(`${match?.[1]}.${first?.body}`).digest('hex');
    expect(match?.[2]).toBe(expected);
    expect(createHmac('sha256', 'another-secret').update(`${match?.[1]}.${first?.body}`).digest('hex')).not.toBe(match?.[2]);

    expect(first?.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
    expect(resent?.headers['idempotency-key']).toBe(first?.headers['idempotency-key']);
    expect(other?.headers['idempotency-key']).not.toBe(first?.headers['idempotency-key']);
    expect(first?.headers['x-llm-proxy-event-count']).toBe('2');
  });

  it('builds the body from the JSON the events arrived as when the source kept it: the same bytes as serializing them', async () => {
    const hook = await receiver();
    const sink = createWebhookSink({ endpoint: hook.url, secret: 's' });
    const events = [chatCall(), makeEvent()];
    await sink.send(events, signal, [JSON.stringify(events[0]), undefined]);
    await sink.send(events, signal);
    const [kept, serialized] = hook.posts();
    expect(kept?.body).toBe(JSON.stringify({ events }));
    expect(serialized?.body).toBe(kept?.body);
  });

  it('classifies answers: 5xx/429 retryable, other 4xx permanent, 401/403 refused credentials', async () => {
    const statuses = [503, 429, 400, 404, 401, 403];
    const hook = await receiver((index) => ({ status: statuses[index] ?? 200 }));
    const sink = createWebhookSink({ endpoint: hook.url, secret: 's' });
    const failures = [];
    for (const _status of statuses) failures.push((await sendFailure(sink, [makeEvent()]))?.failure);
    expect(failures).toEqual(['retryable', 'retryable', 'permanent', 'permanent', 'refused', 'refused']);
  });

  it('shows only the origin of its URL (the path of a webhook is often its secret)', () => {
    const sink = createWebhookSink({ endpoint: 'https://hooks.example.com/services/T000/B000/XXXX', secret: 's' });
    expect(sink.description).toBe('webhook https://hooks.example.com/…');
  });
});

describe('lunary sink', () => {
  it('POSTs one JSON array of runs per batch (POST calls only), with the API key as a bearer token', async () => {
    const lunary = await receiver();
    const sink = createLunarySink({ endpoint: `${lunary.url}/v1/runs/ingest`, apiKey: 'lunary-key' });
    const call = chatCall({ cache_status: 'miss' });
    await sink.send([call, makeEvent({ method: 'GET', path: '/v1/models' })], signal);

    const [post] = lunary.posts();
    expect(lunary.posts()).toHaveLength(1);
    expect(post?.url).toBe('/v1/runs/ingest');
    expect(post?.headers.authorization).toBe('Bearer lunary-key');
    expect(JSON.parse(post?.body ?? '')).toEqual([
      {
        type: 'llm',
        event: 'start',
        runId: call.event_id,
        timestamp: call.started_at,
        input: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        output: { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' } }] },
        tokensUsage: { completion: 2, prompt: 9 },
        metadata: {
          method: 'POST',
          path: '/v1/chat/completions',
          status: 200,
          duration_ms: 1111,
          request_id: call.request_id,
          event_id: call.event_id,
          project_id: 'project-1',
          token_id: 'token-1',
          model: 'gpt-4o-mini',
          cache_status: 'miss',
          usage_source: 'provider',
        },
      },
    ]);
  });

  it('sends nothing for a batch without POST calls; retries any failure but refused credentials', async () => {
    const lunary = await receiver((index) => ({ status: [500, 400, 401][index] ?? 200 }));
    const sink = createLunarySink({ endpoint: lunary.url, apiKey: 'k' });
    await sink.send([makeEvent({ method: 'GET' })], signal);
    expect(lunary.posts()).toHaveLength(0);
    const failures = [];
    for (let index = 0; index < 3; index += 1) failures.push((await sendFailure(sink, [chatCall()]))?.failure);
    expect(failures).toEqual(['retryable', 'retryable', 'refused']);
    expect((await sendFailure(createLunarySink({ endpoint: lunary.url, apiKey: 'k' }), [chatCall()]))).toBeUndefined();
  });
});

describe('helicone sink', () => {
  it("POSTs each call as Helicone's manual-logger body: request, response with usage, timing", async () => {
    const helicone = await receiver();
    const sink = createHeliconeSink({ endpoint: `${helicone.url}/custom/v1/log`, apiKey: 'helicone-key' });
    const call = chatCall();
    const withoutAnswer = makeEvent({ response_body: null });
    await sink.send([call, makeEvent({ method: 'GET' }), withoutAnswer], signal);

    expect(helicone.posts()).toHaveLength(1); // GET calls and calls without an answer body are not sent (as in Go)
    const [post] = helicone.posts();
    expect(post?.headers.authorization).toBe('Bearer helicone-key');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      providerRequest: {
        url: '/v1/chat/completions',
        json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        meta: {
          method: 'POST',
          path: '/v1/chat/completions',
          request_id: call.request_id,
          event_id: call.event_id,
          project_id: 'project-1',
          token_id: 'token-1',
          model: 'gpt-4o-mini',
          usage_source: 'provider',
          provider: 'openai',
          'Helicone-Provider': 'openai',
        },
      },
      providerResponse: {
        status: 200,
        headers: {},
        json: {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hello' } }],
          usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
        },
      },
      timing: { startTime: { seconds: 1_767_323_045, milliseconds: 678 }, endTime: { seconds: 1_767_323_046, milliseconds: 789 } },
    });
  });

  it('an answer that is not JSON goes as {} with a note', async () => {
    const helicone = await receiver();
    const sink = createHeliconeSink({ endpoint: helicone.url, apiKey: 'k' });
    await sink.send([chatCall({ response_body: { text: 'plain text', truncated: false, bytes: 10 }, usage: { ...chatCall().usage, source: 'missing' } })], signal);
    const body = JSON.parse(helicone.posts()[0]?.body ?? '') as { providerResponse: unknown };
    expect(body.providerResponse).toEqual({ status: 200, headers: {}, json: {}, note: 'response was not JSON; omitted' });
  });

  it('400 and 500 are permanent for that one event (as in Go), others retryable; failures say how many went before', async () => {
    const helicone = await receiver((index) => ({ status: [200, 400, 500, 502][index] ?? 200 }));
    const sink = createHeliconeSink({ endpoint: helicone.url, apiKey: 'k' });
    const first = await sendFailure(sink, [chatCall(), chatCall(), chatCall()]);
    expect(first).toMatchObject({ failure: 'permanent', delivered: 1, affected: 1, status: 400 });
    expect(await sendFailure(sink, [chatCall()])).toMatchObject({ failure: 'permanent', delivered: 0, status: 500 });
    expect(await sendFailure(sink, [makeEvent({ method: 'GET' }), chatCall()])).toMatchObject({ failure: 'retryable', delivered: 1, status: 502 });
  });
});

describe('HTTP sinks at start', () => {
  it('open() checks that the service answers at all (a HEAD request), and fails with SinkUnreachableError when nothing listens', async () => {
    const up = await receiver();
    await createLunarySink({ endpoint: up.url, apiKey: 'k' }).open();
    expect(up.requests.map((request) => request.method)).toEqual(['HEAD']);

    const down = `http://127.0.0.1:${await unusedPort()}/hook`;
    for (const sink of [createWebhookSink({ endpoint: down, secret: 's' }), createHeliconeSink({ endpoint: down, apiKey: 'k' })]) {
      const failure = await sink.open().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SinkUnreachableError);
      expect((failure as Error).message).toContain('connection refused');
    }
  });

  it('a send to a service that does not answer is retryable', async () => {
    const down = `http://127.0.0.1:${await unusedPort()}`;
    expect(await sendFailure(createWebhookSink({ endpoint: down, secret: 's' }), [makeEvent()])).toMatchObject({ failure: 'retryable' });
  });
});
