import { afterEach, describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  createDispatcher,
  createHeliconeSink,
  createWebhookSink,
  EventSourceError,
  SinkError,
  type DispatcherNotice,
  type DispatcherOptions,
  type Sink,
} from '../../src/dispatcher/index.js';
import type { ProxyEvent } from '../../src/events/index.js';
import { createFakeSource, makeEvent, until, type FakeSource } from './fake-source.js';
import { startReceiver, type Answer, type Receiver } from './receiver.js';

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
});

async function receiver(answer: (index: number) => Answer | Promise<Answer>): Promise<Receiver> {
  const started = await startReceiver((_post, index) => answer(index));
  receivers.push(started);
  return started;
}

const webhook = (url: string): Sink => createWebhookSink({ endpoint: url, secret: 'test-secret' });

function dispatcherFor(source: FakeSource, sink: Sink, overrides: Partial<DispatcherOptions> = {}) {
  return createDispatcher({
    source,
    sink,
    batchSize: 10,
    flushIntervalMs: 20,
    bufferSize: 100,
    maxRetries: 3,
    backoff: { baseMs: 2, maxMs: 10 },
    drainTimeoutMs: 5000,
    readWaitMs: 20,
    ...overrides,
  });
}

const idsOf = (events: readonly ProxyEvent[]) => events.map((event) => event.event_id);
const eventsOfPost = (body: string) => (JSON.parse(body) as { events: ProxyEvent[] }).events;

describe('dispatcher loop (in-memory source, real sinks over HTTP on 127.0.0.1)', () => {
  it('retries a sink that fails N times, then delivers every event once, acknowledging only after success', async () => {
    const events = Array.from({ length: 5 }, () => makeEvent());
    const source = createFakeSource(events);
    const ackedWhenAsked: number[] = [];
    const sink = await receiver((index) => {
      ackedWhenAsked.push(source.acked.length);
      return { status: index < 2 ? 503 : 200 };
    });
    const dispatcher = dispatcherFor(source, webhook(sink.url));
    const running = dispatcher.run();
    await until(() => source.acked.length === 5, 'every event acknowledged');
    dispatcher.stop();
    const stats = await running;

    expect(ackedWhenAsked).toEqual([0, 0, 0]);
    expect(source.acked.sort()).toEqual(idsOf(events).sort());
    const delivered = idsOf(eventsOfPost(sink.posts()[2]?.body ?? ''));
    expect(delivered).toEqual(idsOf(events));
    expect(stats).toMatchObject({ received: 5, delivered: 5, retried: 2, batches: 1, deadLettered: 0, abandoned: 0 });
    expect(stats.sinkErrors).toEqual({ retryable: 2, permanent: 0, refused: 0 });
    expect(stats.oldestPendingEndedAt).toBeUndefined();
    expect(source.deadLettered).toEqual([]);
  });

  it('dead-letters a batch after the last retry of a sink that always fails (then it counts as settled, not acknowledged)', async () => {
    const events = Array.from({ length: 3 }, () => makeEvent());
    const source = createFakeSource(events);
    const sink = await receiver(() => ({ status: 500, body: '{"error":"down"}' }));
    const notices: string[] = [];
    const dispatcher = dispatcherFor(source, webhook(sink.url), { onNotice: (notice) => notices.push(notice.kind) });
    const running = dispatcher.run();
    await until(() => source.deadLettered.length === 1, 'the dead letter');
    dispatcher.stop();
    const stats = await running;

    expect(sink.posts()).toHaveLength(4); // the first send and 3 retries
    expect(source.deadLettered[0]?.ids).toEqual(idsOf(events));
    expect(source.deadLettered[0]?.reason).toMatch(/HTTP 500.*gave up after 3 retries/);
    expect(source.acked).toEqual([]);
    expect(stats).toMatchObject({ delivered: 0, retried: 3, deadLettered: 3, batches: 0 });
    expect(notices).toEqual(['retry', 'retry', 'retry', 'dead-letter']);
  });

  it('dead-letters at once what the sink refuses for good (webhook 422), without retrying', async () => {
    const events = Array.from({ length: 4 }, () => makeEvent());
    const source = createFakeSource(events);
    const sink = await receiver(() => ({ status: 422 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url));
    const running = dispatcher.run();
    await until(() => source.deadLettered.length === 1, 'the dead letter');
    dispatcher.stop();
    const stats = await running;

    expect(sink.posts()).toHaveLength(1);
    expect(stats).toMatchObject({ retried: 0, deadLettered: 4, delivered: 0 });
    expect(stats.sinkErrors).toEqual({ retryable: 0, permanent: 1, refused: 0 });
  });

  it('with a sink that sends one event at a time (Helicone), dead-letters only the refused event and sends none twice', async () => {
    const events = Array.from({ length: 5 }, () => makeEvent({ response_body: { text: '{"id":"x"}', truncated: false, bytes: 10 } }));
    const source = createFakeSource(events);
    const sink = await receiver((index) => ({ status: index === 1 ? 400 : index === 2 ? 502 : 200 }));
    const dispatcher = dispatcherFor(source, createHeliconeSink({ endpoint: sink.url, apiKey: 'key' }));
    const running = dispatcher.run();
    await until(() => source.acked.length + source.deadLettered.length === 5, 'every event settled');
    dispatcher.stop();
    const stats = await running;

    const sentRequestIds = sink.posts().map((post) => (JSON.parse(post.body) as { providerRequest: { meta: { request_id: string } } }).providerRequest.meta.request_id);
    // Event 1 refused (400, permanent) → dead letter; event 2 failed once (502) → resent alone.
    expect(sentRequestIds).toEqual([events[0], events[1], events[2], events[2], events[3], events[4]].map((event) => event?.request_id));
    expect(source.deadLettered.map((letter) => letter.ids)).toEqual([[events[1]?.event_id]]);
    expect(source.acked.sort()).toEqual(idsOf([events[0], events[2], events[3], events[4]] as ProxyEvent[]).sort());
    expect(stats).toMatchObject({ delivered: 4, deadLettered: 1, retried: 1 });
  });

  it('stops when the sink refuses the credentials (401): run() rejects, nothing is acknowledged', async () => {
    const source = createFakeSource([makeEvent(), makeEvent()]);
    const sink = await receiver(() => ({ status: 401, body: '{"error":"bad key"}' }));
    const dispatcher = dispatcherFor(source, webhook(sink.url));
    const failure = await dispatcher.run().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(SinkError);
    expect((failure as SinkError).failure).toBe('refused');
    expect(source.acked).toEqual([]);
    expect(dispatcher.stats()).toMatchObject({ abandoned: 2, deadLettered: 0 });
  });

  it('sends full batches, and a batch that does not fill once its oldest event has waited the flush interval', async () => {
    const source = createFakeSource(Array.from({ length: 25 }, () => makeEvent()));
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { flushIntervalMs: 50 });
    const running = dispatcher.run();
    await until(() => source.acked.length === 25, 'the first events');
    source.push(makeEvent());
    await until(() => source.acked.length === 26, 'a lone event, sent by the flush interval');
    dispatcher.stop();
    await running;

    expect(sink.posts().map((post) => eventsOfPost(post.body).length)).toEqual([10, 10, 5, 1]);
  });

  it('on stop, ships what was read at once (without waiting for the flush interval) and then resolves', async () => {
    const source = createFakeSource(Array.from({ length: 3 }, () => makeEvent()));
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { flushIntervalMs: 3_600_000 });
    const running = dispatcher.run();
    await until(() => dispatcher.stats().buffered === 3, 'the events read');
    dispatcher.stop();
    const stats = await running;

    expect(stats).toMatchObject({ delivered: 3, batches: 1, buffered: 0, abandoned: 0 });
  });

  it('gives up draining after the drain timeout: what is in flight is neither acknowledged nor dead-lettered', async () => {
    const source = createFakeSource(Array.from({ length: 4 }, () => makeEvent()));
    const sink = await receiver(() => ({ status: 200, hang: true }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { drainTimeoutMs: 100 });
    const running = dispatcher.run();
    await until(() => sink.posts().length === 1, 'the hanging send');
    dispatcher.stop();
    const stats = await running;

    expect(stats).toMatchObject({ delivered: 0, deadLettered: 0, abandoned: 4 });
    expect(source.acked).toEqual([]);
  });

  it('tells, while a batch is at the sink, when its oldest event ended (the lag of the metrics)', async () => {
    const events = [makeEvent({ ended_at: '2026-01-02T03:04:05.000Z' }), makeEvent({ ended_at: '2026-01-02T03:04:09.000Z' })];
    const source = createFakeSource(events);
    let answer: (() => void) | undefined;
    const sink = await receiver(() => new Promise<Answer>((resolve) => (answer = () => resolve({ status: 200 }))));
    const dispatcher = dispatcherFor(source, webhook(sink.url));
    const running = dispatcher.run();
    await until(() => answer !== undefined, 'the batch at the sink');
    expect(dispatcher.stats()).toMatchObject({ received: 2, buffered: 2, oldestPendingEndedAt: Date.parse('2026-01-02T03:04:05.000Z') });
    answer?.();
    await until(() => source.acked.length === 2, 'the batch acknowledged');
    expect(dispatcher.stats().oldestPendingEndedAt).toBeUndefined();
    dispatcher.stop();
    await running;
  });

  it('on stop, has a source that can end its reads (stopReading) end the one under way instead of waiting it out', async () => {
    const source = createFakeSource();
    let stopReadingCalls = 0;
    const stoppable: FakeSource = Object.assign(Object.create(source) as FakeSource, {
      stopReading() {
        stopReadingCalls += 1;
        void source.close(); // the fake's waiting read resolves at once
      },
    });
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(stoppable, webhook(sink.url), { readWaitMs: 600_000 });
    const running = dispatcher.run();
    await until(() => source.reads === 1, 'a read waiting for events');
    dispatcher.stop();
    expect(await running).toMatchObject({ delivered: 0, abandoned: 0 });
    expect(stopReadingCalls).toBe(1);
  });

  it('counts as left undelivered what a read under way brings after an abort', async () => {
    const source = createFakeSource();
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { readWaitMs: 5000 });
    const running = dispatcher.run();
    await until(() => source.reads === 1, 'a read waiting for events');
    dispatcher.abort();
    source.push(makeEvent(), makeEvent());
    expect(await running).toMatchObject({ delivered: 0, abandoned: 2 });
    expect(sink.posts()).toEqual([]);
  });

  it('never holds more than --buffer events waiting for the sink, besides the batch at the sink, and reads while a batch is sent', async () => {
    const source = createFakeSource(Array.from({ length: 300 }, () => makeEvent()));
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { batchSize: 20, bufferSize: 50 });
    const running = dispatcher.run();
    await until(() => source.acked.length === 300, 'every event acknowledged');
    dispatcher.stop();
    await running;

    expect(source.maxOutstanding).toBeLessThanOrEqual(50 + 20);
    expect(source.maxOutstanding).toBeGreaterThan(50); // it reads the next events while a batch is at the sink
  });

  it('with --buffer equal to --batch-size (the defaults), reads the next batch while one is at the sink', async () => {
    const source = createFakeSource(Array.from({ length: 60 }, () => makeEvent()));
    let readWhileSending = false;
    const sink = await receiver(async () => {
      const reads = source.reads;
      await until(() => source.reads > reads, 'a read during the send', 2000).then(
        () => (readWhileSending = true),
        () => undefined,
      );
      return { status: 200 };
    });
    const dispatcher = dispatcherFor(source, webhook(sink.url), { batchSize: 20, bufferSize: 20 });
    const running = dispatcher.run();
    await until(() => source.acked.length === 60, 'every event acknowledged');
    dispatcher.stop();
    await running;

    expect(readWhileSending).toBe(true);
    expect(source.maxOutstanding).toBeLessThanOrEqual(40);
  });

  it('does not starve the event loop when a source answers [] at once instead of waiting', async () => {
    const source = createFakeSource();
    const hasty = { ...source, read: async () => [] };
    const sink = await receiver(() => ({ status: 200 }));
    const dispatcher = dispatcherFor(source, webhook(sink.url), { source: hasty });
    const running = dispatcher.run();
    await new Promise((resolve) => setTimeout(resolve, 20)); // a timer still fires
    dispatcher.stop();
    expect(await running).toMatchObject({ delivered: 0, abandoned: 0 });
  });

  it('retries a source that fails to read (Redis away), and keeps shipping once it is back', async () => {
    const events = [makeEvent(), makeEvent()];
    const source = createFakeSource(events);
    let failures = 2;
    const flaky = { ...source, read: (max: number, waitMs: number) => (failures-- > 0 ? Promise.reject(new Error('not connected')) : source.read(max, waitMs)) };
    const sink = await receiver(() => ({ status: 200 }));
    const notices: string[] = [];
    const dispatcher = dispatcherFor(source, webhook(sink.url), { source: flaky, onNotice: (notice) => notices.push(`${notice.kind}`) });
    const running = dispatcher.run();
    await until(() => source.acked.length === 2, 'the events after the source came back');
    dispatcher.stop();
    expect(await running).toMatchObject({ delivered: 2 });
    expect(notices).toEqual(['source-retry', 'source-retry']);
  });

  it('stops on a source error marked fatal (a refused management token): run() rejects with it as the cause', async () => {
    const source = createFakeSource();
    const refused = new Error('management token refused');
    const dispatcher = dispatcherFor(source, webhook('http://127.0.0.1:9'), {
      source: { ...source, read: () => Promise.reject(refused) },
      isFatalSourceError: (error) => error === refused,
    });
    const failure = await dispatcher.run().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventSourceError);
    expect((failure as EventSourceError).cause).toBe(refused);
  });

  it('retries acknowledgements; one that keeps failing is reported, and the events stay pending (delivered again later)', async () => {
    const source = createFakeSource([makeEvent()]);
    let ackFailures = 1;
    const sink = await receiver(() => ({ status: 200 }));
    const notices: string[] = [];
    const onceFailing = { ...source, ack: (events: never[]) => (ackFailures-- > 0 ? Promise.reject(new Error('timeout')) : source.ack(events)) };
    const first = dispatcherFor(source, webhook(sink.url), { source: onceFailing, onNotice: (notice) => notices.push(notice.kind) });
    const running = first.run();
    await until(() => source.acked.length === 1, 'the acknowledgement, at its second try');
    first.stop();
    expect(await running).toMatchObject({ delivered: 1, abandoned: 0 });
    expect(notices).toEqual(['source-retry']);

    const other = createFakeSource([makeEvent()]);
    const gaveUp: DispatcherNotice[] = [];
    const second = dispatcherFor(other, webhook(sink.url), {
      source: { ...other, ack: () => Promise.reject(new Error('Redis down')) },
      maxRetries: 1,
      onNotice: (notice) => gaveUp.push(notice),
    });
    const secondRun = second.run();
    await until(() => gaveUp.some((notice) => notice.kind === 'source-gave-up'), 'giving up on the acknowledgement');
    second.stop();
    expect(await secondRun).toMatchObject({ delivered: 1 });
    expect(gaveUp.at(-1)).toEqual({ kind: 'source-gave-up', operation: 'acknowledging', events: 1, reason: 'Redis down' });
  });
});

describe('backoff with full jitter', () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ])('retry %i waits at most %i ms', (attempt, ceiling) => {
    expect(backoffDelayMs(attempt, policy, () => 0.999_999)).toBe(Math.floor(0.999_999 * ceiling));
    expect(backoffDelayMs(attempt, policy, () => 0)).toBe(0);
  });
});
