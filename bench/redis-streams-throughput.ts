/**
 * How fast events go into and out of Redis Streams on this machine: the server's publisher (XADD
 * pipelines, MAXLEN ~) and the dispatcher's source (XREADGROUP batches, then XACK), against the
 * Redis on 127.0.0.1:6379, on a stream key of its own that is deleted at the end.
 *
 *   npx tsx bench/redis-streams-throughput.ts [events=200000] [batch=500]
 *
 * Not a test: nothing here fails on timings.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStreamsPublisher, createRedisStreamsSource, MISSING_USAGE, type ProxyEvent, type RedisStreamsOptions } from '../src/events/index.js';

const total = Number(process.argv[2] ?? 200_000);
const batch = Number(process.argv[3] ?? 500);
const key = `llm-proxy-bench:events:${randomUUID()}`;
const options: RedisStreamsOptions = {
  host: '127.0.0.1',
  port: 6379,
  db: 0,
  password: undefined,
  address: '127.0.0.1:6379',
  streamKey: key,
  deadLetterStreamKey: `${key}:dead-letter`,
  consumerGroup: 'bench',
  consumerName: 'bench-consumer',
  maxLen: total, // trimming on, as in production, without losing entries the source is to read
  blockMs: 100,
  claimIdleMs: 30_000,
  batchSize: batch,
};

function event(index: number): ProxyEvent {
  const now = new Date().toISOString();
  return {
    schema_version: 1,
    event_id: randomUUID(),
    request_id: randomUUID(),
    started_at: now,
    ended_at: now,
    duration_ms: 12.5,
    upstream_ms: 11.25,
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    project_id: 'a3c4e1f2-0000-4000-8000-000000000001',
    token_id: 'b5d6e7f8-0000-4000-8000-000000000002',
    model: 'gpt-4o-mini',
    stream: index % 2 === 0,
    cache_status: 'miss',
    usage: MISSING_USAGE,
    request_body: null,
    response_body: null,
    error_code: null,
    aborted: false,
  };
}

const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
const round = (value: number) => Math.round(value * 10) / 10;

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
try {
  const sample = JSON.stringify(event(0)).length;
  // The publisher: bursts of 1000 events per event-loop turn, the way a busy server publishes.
  const events = Array.from({ length: total }, (_, index) => event(index));
  const publisher = await createRedisStreamsPublisher(options, { bufferSize: 10_000 });
  const publishStart = process.hrtime.bigint();
  const publishCpu = process.cpuUsage();
  for (let published = 0; published < total; ) {
    for (let index = 0; index < 1000 && published < total; index++, published++) publisher.publish(events[published] as ProxyEvent);
    while (publisher.stats().buffered > 5000) await new Promise((resolve) => setImmediate(resolve));
  }
  while (publisher.stats().sent + publisher.stats().dropped < total) await new Promise((resolve) => setTimeout(resolve, 1));
  const publishSeconds = Number(process.hrtime.bigint() - publishStart) / 1e9;
  const publishCpuMicros = cpuMicros(process.cpuUsage(publishCpu));
  await publisher.close(1000);
  const stats = publisher.stats();

  // The source: read a batch, acknowledge it, until the stream is drained.
  const source = await createRedisStreamsSource(options);
  const readStart = process.hrtime.bigint();
  const readCpu = process.cpuUsage();
  let read = 0;
  for (;;) {
    const events = await source.read(batch, 100);
    if (events.length === 0) break;
    await source.ack(events);
    read += events.length;
  }
  const readSeconds = Number(process.hrtime.bigint() - readStart) / 1e9;
  const readCpuMicros = cpuMicros(process.cpuUsage(readCpu));
  await source.close();

  process.stdout.write(
    `${JSON.stringify({
      events: total,
      event_bytes: sample,
      publisher: { events_per_second: Math.round(stats.sent / publishSeconds), cpu_us_per_event: round(publishCpuMicros / total), sent: stats.sent, dropped: stats.dropped },
      source: { batch, events_per_second: Math.round(read / readSeconds), cpu_us_per_event: round(readCpuMicros / read), read },
    })}\n`,
  );
} finally {
  await redis.del(key, `${key}:dead-letter`);
  redis.disconnect();
}
