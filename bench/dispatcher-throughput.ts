/**
 * How many events per second one dispatcher ships to a file. First the loop and the file sink
 * alone, in this process, from a source that hands out events as fast as it is asked (the
 * ceiling: JSON line per event, fsync per batch). Then, when Redis answers on 127.0.0.1:6379, the
 * real thing: the built `llm-proxy dispatcher --service file` (LLM_PROXY_EVENT_BUS=redis-streams)
 * draining a stream filled beforehand (a key of its own, deleted at the end), timed from its first
 * line in the file to its last, with the CPU time of its process (/proc/<pid>/stat): events per
 * CPU-second is the figure that holds on a busy machine.
 *
 *   npm run build && npx tsx bench/dispatcher-throughput.ts [events=100000]
 *
 * LLM_PROXY_CLI=<path of bin.js> measures another build (e.g. before a change). Events are about
 * 700 B, or 1.3 KB with request and answer excerpts. Not a test: nothing here fails on timings.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createDispatcher, createFileSink } from '../src/dispatcher/index.js';
import { MISSING_USAGE, PROXY_EVENT_SCHEMA_VERSION, type EventSource, type ProxyEvent, type ReceivedEvent } from '../src/events/index.js';

const total = Number(process.argv[2] ?? 100_000);
const cli = process.env.LLM_PROXY_CLI ?? fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));

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
    request_body: body(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(160) }] })),
    response_body: body(JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { role: 'assistant', content: 'y'.repeat(300) } }] })),
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

const label = (text: string) => text.padEnd(62);
const perEventBytes = (bytes: number) => `${(bytes / total).toFixed(0).padStart(5)} B/event`;

/** The loop and the file sink in this process, from the generator. */
async function measureLoop(name: string, withExcerpts: boolean, batchSize: number, bufferSize: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-bench-'));
  const path = join(dir, 'events.jsonl');
  const sink = createFileSink(path);
  await sink.open();
  const dispatcher = createDispatcher({
    source: generatorSource(total, eventOf(withExcerpts)),
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
  const bytes = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `${label(name)} ${String(Math.round(total / seconds)).padStart(8)} events/s  ${perEventBytes(bytes)}  CPU ${((cpuSeconds / seconds) * 100).toFixed(0).padStart(3)}%  ${String(Math.round(total / cpuSeconds)).padStart(7)} events/CPU-s`,
  );
}

/** CPU time (user + system) of a process so far, in seconds. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks: 100 per second on Linux
}

/** The built CLI draining a Redis stream into a file: from its first line in the file to its last. */
async function measureCli(redis: Redis, name: string, withExcerpts: boolean, flags: readonly string[]): Promise<void> {
  const key = `llm-proxy-bench:dispatcher:${randomUUID()}`;
  let bytes = 0;
  for (let added = 0; added < total; added += 1000) {
    const pipeline = redis.pipeline();
    for (let index = added; index < Math.min(total, added + 1000); index += 1) {
      const data = JSON.stringify(eventOf(withExcerpts));
      bytes += data.length + 1;
      pipeline.xadd(key, '*', 'data', data);
    }
    await pipeline.exec();
  }
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-bench-'));
  const path = join(dir, 'events.jsonl');
  const child = spawn(process.execPath, [cli, 'dispatcher', '--service', 'file', '--endpoint', path, ...flags], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: '127.0.0.1:6379', REDIS_STREAM_KEY: key },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const size = () => (existsSync(path) ? statSync(path).size : 0);
    const giveUpAt = Date.now() + 120_000;
    while (size() === 0 && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 1));
    const startedAt = process.hrtime.bigint();
    const cpuAtStart = processCpuSeconds(child.pid ?? 0);
    while (size() < bytes && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 2));
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const cpuSeconds = processCpuSeconds(child.pid ?? 0) - cpuAtStart;
    if (size() < bytes) return void console.log(`${label(name)} did not finish in 120 s`);
    console.log(
      `${label(name)} ${String(Math.round(total / seconds)).padStart(8)} events/s  ${perEventBytes(bytes)}  CPU ${((cpuSeconds / seconds) * 100).toFixed(0).padStart(3)}%  ${String(Math.round(total / cpuSeconds)).padStart(7)} events/CPU-s`,
    );
  } finally {
    child.kill('SIGTERM');
    await exited;
    await redis.del(key, `${key}:dead-letter`);
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${total} events per run, fsync per batch`);
await measureLoop('loop + file sink, ~700 B, defaults (batch 100, buffer 100)', false, 100, 100);
await measureLoop('loop + file sink, ~700 B, --batch-size 1000 --buffer 1000', false, 1000, 1000);
await measureLoop('loop + file sink, 1.3 KB, defaults', true, 100, 100);
await measureLoop('loop + file sink, 1.3 KB, --batch-size 1000 --buffer 1000', true, 1000, 1000);

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
try {
  await redis.connect();
} catch {
  redis.disconnect();
  console.log('Redis Streams runs skipped: no Redis on 127.0.0.1:6379');
  process.exit(0);
}
if (!existsSync(cli)) {
  console.log(`Redis Streams runs skipped: no built CLI at ${cli} (npm run build)`);
} else {
  const large = ['--batch-size', '1000', '--buffer', '1000'];
  await measureCli(redis, 'CLI from Redis Streams, ~700 B, defaults', false, []);
  await measureCli(redis, 'CLI from Redis Streams, ~700 B, --batch-size 1000 --buffer 1000', false, large);
  await measureCli(redis, 'CLI from Redis Streams, 1.3 KB, defaults', true, []);
  await measureCli(redis, 'CLI from Redis Streams, 1.3 KB, --batch-size 1000 --buffer 1000', true, large);
}
redis.disconnect();
