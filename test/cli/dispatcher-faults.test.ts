/**
 * Faults of `llm-proxy dispatcher` on Redis Streams, with the built CLI, the real Redis on
 * 127.0.0.1:6379 and real sinks (a webhook receiver on 127.0.0.1, a file). Each test fills a
 * stream of its own (XADD of v1 events, as the server's publisher adds them), provokes one fault
 * and then checks, event id by event id, what reached the sink against what was published:
 *
 * - lost: never, in any test (every event id arrives, or is in the dead-letter stream, or is
 *   still pending in the group, or was not read yet);
 * - duplicated: only the events of the batch(es) the sink had (or may have had) and Redis was not
 *   told about: the batch in flight at a kill -9 (the read-ahead behind it, at most --buffer
 *   events, is redelivered but had not reached the sink), the batches whose acknowledgement failed
 *   while Redis was away (at most --buffer + --batch-size: what the dispatcher held at the cut);
 * - left pending at the end: nothing (XPENDING = 0), except after a drain that timed out, where
 *   exactly what was read and not shipped is.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { startReceiver, type Answer, type Receiver } from '../dispatcher/receiver.js';
import { addEvents, sampleEvent, testStreams } from '../events/redis-streams-support.js';
import { startDispatcher, type RunningDispatcher } from '../support/dispatcher-process.js';
import { redisUnavailable, startTcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';

const unreachable = await redisUnavailable();

const GROUP = 'dispatchers';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A webhook receiver that records every POST's event ids and how it was answered. */
interface Webhook {
  readonly url: string;
  /** In order of arrival; status undefined while (or if never) answered. */
  readonly posts: { readonly ids: string[]; status?: number }[];
  /** Event ids of every POST received, answered or not: what reached the sink, duplicates included. */
  arrived(): string[];
  /** Event ids of the POSTs answered 2xx: what the sink took. */
  accepted(): string[];
}

/** Ids seen more than once. */
function duplicatesIn(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  return [...twice];
}

const missingFrom = (ids: readonly string[], expected: readonly string[]) => {
  const present = new Set(ids);
  return expected.filter((id) => !present.has(id));
};

/** ~1.3 KB events: a chat call with request and answer excerpts. */
function eventWithExcerpts(): ProxyEvent {
  const excerpt = (text: string) => ({ text, truncated: false, bytes: text.length });
  return sampleEvent({
    request_body: excerpt(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'q'.repeat(180) }] })),
    response_body: excerpt(JSON.stringify({ id: 'chatcmpl-1', choices: [{ index: 0, message: { role: 'assistant', content: 'a'.repeat(330) } }] })),
    usage: { prompt_tokens: 52, completion_tokens: 84, total_tokens: 136, cached_tokens: 0, reasoning_tokens: 0, source: 'provider' },
  });
}

describe.skipIf(unreachable !== undefined)('llm-proxy dispatcher (built CLI) under faults, on Redis Streams (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  const { redis } = streams;
  let temp: ReturnType<typeof makeTempDir>;
  const running: RunningDispatcher[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(() => {
    temp = makeTempDir();
  });
  afterEach(async () => {
    // Only the dispatchers this file started, by their own handle (a failed test may leave one running).
    for (const dispatcher of running.splice(0)) {
      if (dispatcher.child.exitCode === null && dispatcher.child.signalCode === null) dispatcher.child.kill('SIGKILL');
      await dispatcher.exited;
    }
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    await streams.cleanup();
    temp.remove();
  });

  /** A stream of its own holding `events` (deleted at the end with its dead-letter stream); their entry ids in order. */
  async function filledStream(events: readonly ProxyEvent[]): Promise<{ key: string; entryIds: string[] }> {
    const key = streams.key();
    const entryIds: string[] = [];
    for (let start = 0; start < events.length; start += 1000) entryIds.push(...(await addEvents(redis, key, events.slice(start, start + 1000))));
    return { key, entryIds };
  }

  const redisEnv = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({
    LLM_PROXY_EVENT_BUS: 'redis-streams',
    REDIS_ADDR: '127.0.0.1:6379',
    REDIS_STREAM_KEY: key,
    REDIS_CONSUMER_GROUP: GROUP,
    ...extra,
  });

  function dispatcher(args: readonly string[], env: Record<string, string>): RunningDispatcher {
    const started = startDispatcher(args, temp.dir, { env, timeoutMs: 60_000 });
    running.push(started);
    return started;
  }

  async function startWebhook(answer: (ids: readonly string[], index: number) => Answer | Promise<Answer>): Promise<Webhook> {
    const posts: Webhook['posts'] = [];
    const receiver: Receiver = await startReceiver(async (post, index) => {
      const record: Webhook['posts'][number] = { ids: (JSON.parse(post.body) as { events: ProxyEvent[] }).events.map((event) => event.event_id) };
      posts.push(record);
      const decided = await answer(record.ids, index);
      if (!decided.hang) record.status = decided.status;
      return decided;
    });
    closers.push(receiver.close);
    return {
      url: receiver.url,
      posts,
      arrived: () => posts.flatMap((post) => post.ids),
      accepted: () => posts.filter((post) => post.status !== undefined && post.status < 300).flatMap((post) => post.ids),
    };
  }

  const webhookArgs = (hook: Webhook, ...more: string[]) => ['--service', 'webhook', '--endpoint', `${hook.url}/hook`, '--webhook-secret', 'whsec-test', ...more];

  /** Entry ids pending in the group (read by a consumer, not acknowledged), per consumer when asked. */
  async function pendingEntries(key: string, consumer?: string): Promise<string[]> {
    const rows = (consumer === undefined
      ? await redis.xpending(key, GROUP, '-', '+', 100_000)
      : await redis.xpending(key, GROUP, '-', '+', 100_000, consumer)) as [string, string, number, number][];
    return rows.map(([id]) => id);
  }
  const pendingCount = async (key: string) => ((await redis.xpending(key, GROUP)) as [number])[0];

  /** The group's last-delivered-id: every entry up to it was read by some consumer. */
  async function lastDeliveredId(key: string): Promise<string> {
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    for (const fields of groups) {
      const info = new Map<unknown, unknown>();
      for (let index = 0; index + 1 < fields.length; index += 2) info.set(fields[index], fields[index + 1]);
      if (info.get('name') === GROUP) return String(info.get('last-delivered-id'));
    }
    throw new Error(`no group ${GROUP} on ${key}`);
  }
  const idOrder = (id: string): [bigint, bigint] => {
    const [ms = '0', seq = '0'] = id.split('-');
    return [BigInt(ms), BigInt(seq)];
  };
  const notAfter = (id: string, last: string) => {
    const [a, b] = [idOrder(id), idOrder(last)];
    return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);
  };

  describe('kill -9 mid-batch, then a new dispatcher', () => {
    const TOTAL = 5000;
    const BATCH = 100;
    /** The POST (0-based) that is in flight when the first dispatcher is killed: it never gets an answer. */
    const IN_FLIGHT = 10;

    it.each([
      ['under the same REDIS_CONSUMER_NAME: it reads its own pending entries first', 'dispatcher-1', {}],
      ['under another name with a short REDIS_STREAM_CLAIM_TIME: it claims the dead one\'s entries', 'dispatcher-2', { REDIS_STREAM_CLAIM_TIME: '500ms' }],
    ])('%s; every event arrives, duplicates only from the batch in flight, nothing pending', async (_name, secondName, extra) => {
      const events = Array.from({ length: TOTAL }, () => sampleEvent());
      const all = events.map((event) => event.event_id);
      const { key, entryIds } = await filledStream(events);
      const hook = await startWebhook((_ids, index) => (index === IN_FLIGHT ? { hang: true, status: 0 } : { status: 200 }));
      // A read-ahead of three batches: what is queued behind the batch in flight is pending too, but never reached the sink.
      const BUFFER = 3 * BATCH;
      const args = webhookArgs(hook, '--batch-size', String(BATCH), '--buffer', String(BUFFER), '--flush-interval', '100ms');

      const first = dispatcher(args, redisEnv(key, { ...extra, REDIS_CONSUMER_NAME: 'dispatcher-1' }));
      await expect.poll(() => hook.posts.length, { timeout: 20_000, interval: 5 }).toBeGreaterThan(IN_FLIGHT);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const inFlight = new Set(hook.posts[IN_FLIGHT]?.ids);
      expect(inFlight.size).toBe(BATCH);
      const leftByFirst = await pendingEntries(key, 'dispatcher-1');
      expect(leftByFirst.length).toBeGreaterThanOrEqual(BATCH);
      expect(leftByFirst.length).toBeLessThanOrEqual(BATCH + BUFFER);

      const second = dispatcher(args, redisEnv(key, { ...extra, REDIS_CONSUMER_NAME: secondName }));
      await expect.poll(() => new Set(hook.arrived()).size, { timeout: 30_000, interval: 20 }).toBe(TOTAL);
      await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const arrived = hook.arrived();
      expect(missingFrom(arrived, all)).toEqual([]);
      const duplicates = duplicatesIn(arrived);
      expect(duplicates.filter((id) => !inFlight.has(id))).toEqual([]);
      expect(duplicates.length).toBeLessThanOrEqual(BATCH);
      expect(arrived.length).toBe(TOTAL + duplicates.length); // each duplicate twice, not more
      expect(await pendingEntries(key)).toEqual([]);
      expect(entryIds).toHaveLength(TOTAL);
    }, 60_000);

    it.each([
      ['under the same name', 'file-dispatcher', {}],
      // It writes new events first (the dead one's are not idle yet): right after the cut line.
      ['under another name', 'file-dispatcher-2', { REDIS_STREAM_CLAIM_TIME: '500ms' }],
    ])('file sink, batches written in several chunks, killed at an arbitrary moment, restarted %s: every event is in the file, duplicates within one batch, only the cut line broken', async (_name, secondName, extra) => {
      const total = 12_000;
      const batch = 1000; // ~1.3 MB per batch: the write goes out in 512 KiB chunks, a kill may land between two
      const events = Array.from({ length: total }, () => eventWithExcerpts());
      const all = events.map((event) => event.event_id);
      const { key } = await filledStream(events);
      const path = join(temp.dir, `kill-${key.slice(-8)}.jsonl`);
      const args = ['--service', 'file', '--endpoint', path, '--batch-size', String(batch), '--buffer', String(batch), '--flush-interval', '100ms'];
      const env = redisEnv(key, { ...extra, REDIS_CONSUMER_NAME: 'file-dispatcher' });
      const totalBytes = events.reduce((sum, event) => sum + JSON.stringify(event).length + 1, 0);

      const first = dispatcher(args, env);
      // Killed once a third of the events are in the file: wherever the batch under way happens to be.
      await expect.poll(() => (existsSync(path) ? statSync(path).size : 0), { timeout: 20_000, interval: 1 }).toBeGreaterThan(totalBytes / 3);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();

      const second = dispatcher(args, { ...env, REDIS_CONSUMER_NAME: secondName });
      const lines = () => readFileSync(path, 'utf8').split('\n').slice(0, -1);
      const parsedIds = () => lines().flatMap((line) => {
        try {
          return [(JSON.parse(line) as ProxyEvent).event_id];
        } catch {
          return [];
        }
      });
      await expect.poll(() => new Set(parsedIds()).size, { timeout: 30_000, interval: 50 }).toBe(total);
      await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const ids = parsedIds();
      expect(lines().length - ids.length).toBeLessThanOrEqual(1); // the line the kill cut, alone on its line
      expect(missingFrom(ids, all)).toEqual([]);
      const duplicates = duplicatesIn(ids);
      expect(duplicates.length).toBeLessThanOrEqual(batch);
      // The duplicates are consecutive events of the stream: one batch, written before the kill and not acknowledged.
      const positions = duplicates.map((id) => all.indexOf(id));
      if (positions.length > 0) expect(Math.max(...positions) - Math.min(...positions)).toBeLessThan(batch);
      expect(ids.length).toBe(total + duplicates.length);
    }, 60_000);
  });

  it('two dispatchers sharing the group, one with a sink slower than REDIS_STREAM_CLAIM_TIME: the other never claims what it holds, every event once', async () => {
    const events = Array.from({ length: 200 }, () => sampleEvent());
    const all = events.map((event) => event.event_id);
    const { key } = await filledStream(events);
    const slowHook = await startWebhook(async () => {
      await sleep(3000); // three times the claim time per batch
      return { status: 200 };
    });
    const idleHook = await startWebhook(() => ({ status: 200 }));
    const env = (name: string) => redisEnv(key, { REDIS_STREAM_CLAIM_TIME: '1s', REDIS_CONSUMER_NAME: name });
    const slow = dispatcher(webhookArgs(slowHook, '--flush-interval', '50ms'), env('slow'));
    await expect.poll(() => slowHook.posts.length, { timeout: 20_000, interval: 5 }).toBe(1); // it holds all 200: a batch at its sink, a batch read ahead
    // Nothing new to read: this one looks for idle entries to claim every half second.
    const idle = dispatcher(webhookArgs(idleHook, '--flush-interval', '50ms'), env('idle'));
    await idle.waitFor(/→ webhook/);
    await expect.poll(() => slowHook.accepted().length, { timeout: 30_000, interval: 20 }).toBe(200);
    await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
    slow.child.kill('SIGTERM');
    idle.child.kill('SIGTERM');
    expect([await slow.exited, await idle.exited]).toEqual([0, 0]);

    expect(idleHook.posts).toEqual([]);
    expect(duplicatesIn(slowHook.arrived())).toEqual([]);
    expect([...slowHook.accepted()].sort()).toEqual([...all].sort());
  }, 60_000);

  it('a sink failing 3 times then succeeding: every event delivered once, acknowledged only after the success, the retries reported', async () => {
    const events = Array.from({ length: 250 }, () => sampleEvent());
    const all = events.map((event) => event.event_id);
    const { key, entryIds } = await filledStream(events);
    const entryOf = new Map(all.map((id, index) => [id, entryIds[index] ?? '']));
    const acknowledgedTooEarly: string[] = [];
    const hook = await startWebhook(async (ids, index) => {
      // Whatever the answer, the batch must still be pending in the group while the sink has it.
      const pending = new Set(await pendingEntries(key));
      acknowledgedTooEarly.push(...ids.filter((id) => !pending.has(entryOf.get(id) ?? '')));
      return { status: index < 3 ? 503 : 200, body: index < 3 ? '{"error":"busy"}' : '{}' };
    });
    const running = dispatcher(
      webhookArgs(hook, '--batch-size', '100', '--flush-interval', '100ms', '--max-retries', '5', '--retry-base', '20ms', '--retry-max', '50ms'),
      redisEnv(key),
    );
    await expect.poll(() => hook.accepted().length, { timeout: 20_000, interval: 20 }).toBe(250);
    await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    expect(hook.posts.map((post) => post.status)).toEqual([503, 503, 503, 200, 200, 200]);
    expect(hook.accepted().sort()).toEqual([...all].sort()); // each once
    expect(acknowledgedTooEarly).toEqual([]);
    const stderr = running.stderr();
    expect(stderr.match(/send of 100 events failed \(the webhook at http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 503: \{"error":"busy"\}\); retry \d in \d\.\ds/g)).toHaveLength(3);
    expect(stderr).toMatch(/dispatcher stopped: 250 events delivered in 3 batches over [\d.]+s, 3 retries, 0 dead-lettered\n/);
  }, 60_000);

  it('a sink refusing some batches for good (500 every time): they end in the dead-letter stream with the reason, the rest delivered once, nothing pending, none lost', async () => {
    const poisoned = new Set([7, 50, 51, 133, 299]);
    const events = Array.from({ length: 300 }, (_, index) => sampleEvent(poisoned.has(index) ? { model: 'poison' } : {}));
    const all = events.map((event) => event.event_id);
    const poison = new Set(events.filter((event) => event.model === 'poison').map((event) => event.event_id));
    const { key, entryIds } = await filledStream(events);
    const hook = await startWebhook((ids) => ({ status: ids.some((id) => poison.has(id)) ? 500 : 200, body: '{"error":"cannot store"}' }));
    const running = dispatcher(
      webhookArgs(hook, '--batch-size', '20', '--flush-interval', '50ms', '--max-retries', '2', '--retry-base', '10ms', '--retry-max', '20ms'),
      redisEnv(key),
    );
    const deadLetterKey = `${key}:dead-letter`;
    await expect.poll(async () => hook.accepted().length + (await redis.xlen(deadLetterKey)), { timeout: 20_000, interval: 20 }).toBe(300);
    await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    const deadEntries = (await redis.xrange(deadLetterKey, '-', '+')).map(([, fields]) => {
      const record = new Map<string, string>();
      for (let index = 0; index + 1 < fields.length; index += 2) record.set(fields[index] ?? '', fields[index + 1] ?? '');
      return record;
    });
    const deadIds = deadEntries.map((entry) => (JSON.parse(entry.get('data') ?? 'null') as ProxyEvent).event_id);
    for (const entry of deadEntries) {
      expect(entry.get('reason')).toMatch(/^the webhook at http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 500: \{"error":"cannot store"\} \(gave up after 2 retries\)$/);
      expect(entry.get('consumer')).toMatch(/^dispatcher-/);
      // The original entry, as it was published.
      expect(entry.get('original_id')).toBe(entryIds[all.indexOf((JSON.parse(entry.get('data') ?? 'null') as ProxyEvent).event_id)]);
    }
    const accepted = hook.accepted();
    expect([...poison].filter((id) => !deadIds.includes(id))).toEqual([]); // every poisoned event is in the dead letter
    expect(duplicatesIn(accepted)).toEqual([]);
    expect(duplicatesIn(deadIds)).toEqual([]);
    expect(accepted.filter((id) => deadIds.includes(id))).toEqual([]);
    expect([...accepted, ...deadIds].sort()).toEqual([...all].sort()); // sink + dead letter = all
    expect(deadIds.length).toBeLessThanOrEqual(poison.size * 20); // only the batches holding them
    const deadBatches = deadIds.length / 20;
    expect(running.stderr()).toMatch(new RegExp(`dispatcher stopped: ${accepted.length} events delivered in \\d+ batches over [\\d.]+s, ${2 * deadBatches} retries, ${deadIds.length} dead-lettered\\n`));
    expect(running.stderr()).toMatch(/20 events went to the dead letter: the webhook at http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 500/);
  }, 60_000);

  describe('Redis lost mid-run (a TCP relay between the dispatcher and Redis)', () => {
    let relay: TcpRelay;
    beforeAll(async () => {
      relay = await startTcpRelay(6379);
    });
    afterAll(() => relay.close());

    it('goes on once Redis is back: every event arrives, duplicates only among what was read and not acknowledged at the cut, nothing pending', async () => {
      const HELD = 200; // the defaults: a batch of 100 at the sink, and 100 read ahead
      const before = Array.from({ length: 3000 }, () => sampleEvent());
      const { key } = await filledStream(before);
      let redisAway = false;
      /** What the sink received while the dispatcher could not tell Redis: the only events that may come twice. */
      const unacknowledgeable = new Set<string>();
      const hook = await startWebhook(async (ids, index) => {
        if (index === 5) {
          // Redis goes away while the sink has this batch: its acknowledgement fails.
          redisAway = true;
          relay.down();
          await sleep(100);
        }
        if (redisAway) for (const id of ids) unacknowledgeable.add(id);
        return { status: 200 };
      });
      const running = dispatcher(
        webhookArgs(hook, '--flush-interval', '100ms', '--max-retries', '3', '--retry-base', '100ms', '--retry-max', '200ms'),
        redisEnv(key, { REDIS_ADDR: `127.0.0.1:${relay.port}`, REDIS_CONSUMER_NAME: 'through-relay' }),
      );
      await running.waitFor(/acknowledging 100 events failed for good .*: they stay pending and are delivered again/);
      // Published meanwhile (straight to Redis: the server's side is not cut).
      const during = Array.from({ length: 1000 }, () => sampleEvent());
      await addEvents(redis, key, during);
      await running.waitFor(/reading events failed/);
      redisAway = false;
      relay.up();
      const after = Array.from({ length: 500 }, () => sampleEvent());
      await addEvents(redis, key, after);
      const all = [...before, ...during, ...after].map((event) => event.event_id);

      await expect.poll(() => new Set(hook.arrived()).size, { timeout: 30_000, interval: 20 }).toBe(all.length);
      await expect.poll(() => pendingCount(key), { timeout: 10_000 }).toBe(0);
      expect(running.child.exitCode).toBeNull(); // still running
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);

      const arrived = hook.arrived();
      expect(missingFrom(arrived, all)).toEqual([]);
      const duplicates = duplicatesIn(arrived);
      expect(duplicates.filter((id) => !unacknowledgeable.has(id))).toEqual([]);
      expect(duplicates.length).toBeLessThanOrEqual(HELD);
      expect(arrived.length).toBe(all.length + duplicates.length);
    }, 60_000);
  });

  describe('SIGTERM while events flow', () => {
    it('exits 0 after shipping what it read: every event read was delivered once and acknowledged, the rest left unread', async () => {
      const initial = Array.from({ length: 3000 }, () => sampleEvent());
      const { key } = await filledStream(initial);
      const published = initial.map((event) => event.event_id);
      const hook = await startWebhook(async () => {
        await sleep(10);
        return { status: 200 };
      });
      const running = dispatcher(webhookArgs(hook, '--batch-size', '50', '--buffer', '200', '--flush-interval', '50ms'), redisEnv(key));
      // Events keep coming while it works and while it drains.
      let producing = true;
      const producer = (async () => {
        while (producing) {
          const more = Array.from({ length: 20 }, () => sampleEvent());
          await addEvents(redis, key, more);
          published.push(...more.map((event) => event.event_id));
          await sleep(10);
        }
      })();
      await expect.poll(() => hook.posts.length, { timeout: 20_000, interval: 5 }).toBeGreaterThanOrEqual(10);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
      producing = false;
      await producer;

      const last = await lastDeliveredId(key);
      const entries = await redis.xrange(key, '-', '+');
      const read = entries.filter(([id]) => notAfter(id, last)).map(([, fields]) => (JSON.parse(fields[1] ?? 'null') as ProxyEvent).event_id);
      const accepted = hook.accepted();
      expect(await pendingCount(key)).toBe(0);
      expect(duplicatesIn(accepted)).toEqual([]);
      expect([...accepted].sort()).toEqual([...read].sort()); // delivered = read
      expect(read.length).toBeLessThan(published.length); // it stopped before the end: the rest waits for the next dispatcher
      expect(missingFrom(published, entries.map(([, fields]) => (JSON.parse(fields[1] ?? 'null') as ProxyEvent).event_id))).toEqual([]);
      expect(running.stderr()).toMatch(new RegExp(`SIGTERM: shipping what was read[^]*dispatcher stopped: ${accepted.length} events delivered`));
    }, 60_000);

    it('exits 1 when the drain times out: what it read and did not ship is left pending, not lost (sink + pending = read)', async () => {
      const events = Array.from({ length: 1000 }, () => sampleEvent());
      const { key, entryIds } = await filledStream(events);
      const eventOf = new Map(entryIds.map((id, index) => [id, events[index]?.event_id ?? '']));
      const HELD = 4;
      const hook = await startWebhook((_ids, index) => (index === HELD ? { hang: true, status: 0 } : { status: 200 }));
      const running = dispatcher(
        webhookArgs(hook, '--batch-size', '50', '--buffer', '50', '--flush-interval', '50ms', '--drain-timeout', '500ms'),
        redisEnv(key),
      );
      await expect.poll(() => hook.posts.length, { timeout: 20_000, interval: 5 }).toBeGreaterThan(HELD);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(1);

      const last = await lastDeliveredId(key);
      const read = entryIds.filter((id) => notAfter(id, last)).map((id) => eventOf.get(id) ?? '');
      const pending = (await pendingEntries(key)).map((id) => eventOf.get(id) ?? '');
      const accepted = hook.accepted();
      // The batch the sink never answered, and what was read ahead of it.
      expect(hook.posts[HELD]?.ids.filter((id) => !pending.includes(id))).toEqual([]);
      expect(pending.length).toBeLessThanOrEqual(50 + 50);
      expect(accepted.filter((id) => pending.includes(id))).toEqual([]);
      expect([...accepted, ...pending].sort()).toEqual([...read].sort());
      expect(running.stderr()).toContain(
        `Error: ${pending.length} events read were not delivered (not shipped within --drain-timeout 0.5s): Redis Streams delivers them again to the group`,
      );
    }, 60_000);
  });
});
