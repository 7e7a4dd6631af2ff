/**
 * How many events per second one dispatcher loop ships to a file: first from a source that hands
 * out events as fast as it is asked (no transport: the ceiling of the loop and the file sink, JSON
 * line per event, fsync per batch), then, when Redis answers on 127.0.0.1:6379, from a Redis
 * stream filled beforehand (a key of its own, deleted at the end): `llm-proxy dispatcher --service
 * file` with LLM_PROXY_EVENT_BUS=redis-streams.
 *
 *   npx tsx bench/dispatcher-throughput.ts [events=200000]
 *
 * Not a test: nothing here fails on timings.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createDispatcher, createFileSink } from '../src/dispatcher/index.js';
import {
  MISSING_USAGE,
  PROXY_EVENT_SCHEMA_VERSION,
  createRedisStreamsSource,
  type EventSource,
  type ProxyEvent,
  type ReceivedEvent,
} from '../src/events/index.js';

const total = Number(process.argv[2] ?? 200_000);

function eventOf(withExcerpts: boolean): ProxyEvent {
  const body = (text: string) => (withExcerpts ? { text, truncated: false, bytes: text.length } : null);
  return {
    schema_version: PROXY_EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    request_id: randomUUID(),
    started_at: new Date().toISOString(),
    ended_at: new Date().toISOString(),
    duration_ms: 812.345,
    upstream_ms: 790.1,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: randomUUID(),
    token_id: randomUUID(),
    model: 'gpt-4o-mini',
    stream: false,
    cache_status: 'miss',
    usage: { ...MISSING_USAGE, prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, source: 'provider' },
    request_body: body(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(400) }] })),
    response_body: body(JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'y'.repeat(800) } }] })),
    error_code: null,
    aborted: false,
  };
}

/** Hands out `count` events, as many per read as asked. */
function generatorSource(count: number, template: ProxyEvent): EventSource {
  let given = 0;
  return {
    description: 'generator',
    async read(max) {
      const batch: ReceivedEvent[] = [];
      for (; batch.length < max && given < count; given += 1) {
        const event = { ...template, event_id: randomUUID() };
        batch.push({ deliveryId: event.event_id, event });
      }
      return batch;
    },
    ack: async () => undefined,
    deadLetter: async () => undefined,
    lag: async () => count - given,
    close: async () => undefined,
  };
}

/** A Redis stream holding `total` events (as the server's publisher adds them), read by a new consumer group. */
async function redisSource(template: ProxyEvent): Promise<{ source: EventSource; cleanup: () => Promise<void> } | undefined> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    return undefined;
  }
  const key = `llm-proxy-bench:dispatcher:${randomUUID()}`;
  for (let added = 0; added < total; added += 1000) {
    const pipeline = redis.pipeline();
    for (let index = added; index < Math.min(total, added + 1000); index += 1) pipeline.xadd(key, '*', 'data', JSON.stringify({ ...template, event_id: randomUUID() }));
    await pipeline.exec();
  }
  const source = await createRedisStreamsSource({
    host: '127.0.0.1',
    port: 6379,
    db: 0,
    password: undefined,
    address: '127.0.0.1:6379',
    streamKey: key,
    deadLetterStreamKey: `${key}:dead-letter`,
    consumerGroup: 'bench',
    consumerName: 'bench-dispatcher',
    maxLen: 0,
    blockMs: 100,
    claimIdleMs: 30_000,
    batchSize: 100,
  });
  return {
    source,
    async cleanup() {
      await source.close();
      await redis.del(key, `${key}:dead-letter`);
      redis.disconnect();
    },
  };
}

async function measure(label: string, withExcerpts: boolean, batchSize: number, bufferSize: number, fromRedis = false): Promise<void> {
  const template = eventOf(withExcerpts);
  const redis = fromRedis ? await redisSource(template) : undefined;
  if (fromRedis && redis === undefined) return void console.log(`${label.padEnd(58)} skipped: no Redis on 127.0.0.1:6379`);
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-bench-'));
  const path = join(dir, 'events.jsonl');
  const sink = createFileSink(path);
  await sink.open();
  const dispatcher = createDispatcher({
    source: redis?.source ?? generatorSource(total, template),
    sink,
    batchSize,
    bufferSize,
    flushIntervalMs: 5000,
    maxRetries: 3,
    backoff: { baseMs: 1000, maxMs: 30_000 },
    drainTimeoutMs: 30_000,
    readWaitMs: 1,
  });
  const startedAt = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const running = dispatcher.run();
  while (dispatcher.stats().delivered < total) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  dispatcher.stop();
  await running;
  await sink.close();
  await redis?.cleanup();
  const bytes = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  const rate = Math.round(total / seconds);
  const cpuShare = ((cpu.user + cpu.system) / 1e6 / seconds) * 100;
  console.log(
    `${label.padEnd(58)} ${String(rate).padStart(8)} events/s  ${(bytes / total).toFixed(0).padStart(5)} B/event  ${(bytes / seconds / 1e6).toFixed(1).padStart(6)} MB/s  CPU ${cpuShare.toFixed(0)}%`,
  );
}

console.log(`${total} events per run, fsync per batch`);
await measure('no excerpts, --batch-size 100 --buffer 100', false, 100, 100);
await measure('no excerpts, --batch-size 100 --buffer 1000', false, 100, 1000);
await measure('no excerpts, --batch-size 1000 --buffer 1000', false, 1000, 1000);
await measure('1.3 KB excerpts, --batch-size 100 --buffer 1000', true, 100, 1000);
await measure('1.3 KB excerpts, --batch-size 1000 --buffer 1000', true, 1000, 1000);
await measure('Redis Streams, no excerpts, defaults', false, 100, 100, true);
await measure('Redis Streams, no excerpts, --batch-size 1000 --buffer 1000', false, 1000, 1000, true);
await measure('Redis Streams, 1.3 KB excerpts, defaults', true, 100, 100, true);
