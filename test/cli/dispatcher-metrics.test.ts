import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Answer, type Receiver } from '../dispatcher/receiver.js';
import { addEvents, sampleEvent } from '../events/redis-streams-support.js';
import { runCli } from '../support/cli.js';
import { startDispatcher, type RunningDispatcher } from '../support/dispatcher-process.js';
import { parseExposition, type Exposition } from '../support/prometheus-text.js';
import { redisUnavailable } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';

let dispatcher: RunningDispatcher | undefined;

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${dispatcher?.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('llm-proxy dispatcher --metrics-addr (built CLI)', () => {
  it('refuses an address that is not host:port, naming the flag', async () => {
    const result = await runCli(['dispatcher', '--endpoint', '/dev/null', '--metrics-addr', 'nowhere']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--metrics-addr: expected host:port/);
  });
});

const redisUnreachable = await redisUnavailable();

describe.skipIf(redisUnreachable !== undefined)('llm-proxy dispatcher metrics and Redis read settings (real Redis on 127.0.0.1:6379)', () => {
  const streamKey = `llm-proxy-test:dispatcher-metrics:${randomUUID()}`;
  const env = {
    LLM_PROXY_EVENT_BUS: 'redis-streams',
    REDIS_ADDR: '127.0.0.1:6379',
    REDIS_STREAM_KEY: streamKey,
    REDIS_CONSUMER_GROUP: `group-${randomUUID()}`,
    REDIS_STREAM_BATCH_SIZE: '2',
    REDIS_STREAM_BLOCK_TIME: '700ms',
  };
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  const monitor = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  /** The XREADGROUP commands Redis ran on this test's stream, as their arguments. */
  const reads: string[][] = [];
  let temp: ReturnType<typeof makeTempDir>;
  let receiver: Receiver;
  /** How the receiver answers the next POST. */
  let answer: (index: number) => Answer | Promise<Answer> = (index) => ({ status: index === 0 ? 503 : 200 });

  let metricsUrl = '';

  beforeAll(async () => {
    temp = makeTempDir();
    receiver = await startReceiver((_post, index) => answer(index));
    const watching = await monitor.monitor();
    watching.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'xreadgroup' && args.includes(streamKey)) reads.push(args);
    });
  });
  afterAll(async () => {
    dispatcher?.child.kill('SIGKILL');
    await receiver.close();
    temp.remove();
    await redis.del(streamKey, `${streamKey}:dead-letter`);
    redis.disconnect();
    monitor.disconnect();
  });

  const scrape = async (): Promise<Exposition> => {
    const response = await fetch(metricsUrl);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };
  const value = async (name: string, labels?: Record<string, string>) => (await scrape()).value(name, labels) ?? 0;

  it('serves counters that follow deliveries, retries, sink errors and dead letters, and gauges of lag and buffer', async () => {
    await addEvents(redis, streamKey, Array.from({ length: 5 }, () => sampleEvent()));
    dispatcher = startDispatcher(
      [
        '--service', 'webhook', '--endpoint', receiver.url, '--webhook-secret', 'test-secret',
        '--flush-interval', '100ms', '--max-retries', '1', '--retry-base', '50ms', '--retry-max', '50ms',
        '--metrics-addr', '127.0.0.1:0',
      ],
      temp.dir,
      { env },
    );
    await dispatcher.waitFor(/metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    metricsUrl = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(dispatcher.stderr())?.[1] ?? '';

    await until(async () => (await value('llm_proxy_dispatcher_events_delivered_total')) === 5, 'the 5 events delivered');
    let metrics = await scrape();
    expect(metrics.value('llm_proxy_dispatcher_events_received_total')).toBe(5);
    expect(metrics.value('llm_proxy_dispatcher_retries_total')).toBe(1); // the first POST got a 503
    expect(metrics.value('llm_proxy_dispatcher_sink_errors_total', { kind: 'retryable' })).toBe(1);
    expect(metrics.value('llm_proxy_dispatcher_sink_errors_total', { kind: 'permanent' })).toBe(0);
    expect(metrics.value('llm_proxy_dispatcher_batches_total')).toBeGreaterThanOrEqual(1);
    expect(metrics.value('llm_proxy_dispatcher_events_dead_lettered_total')).toBe(0);
    expect(metrics.value('llm_proxy_dispatcher_events_dropped_total')).toBe(0);
    expect(metrics.value('llm_proxy_dispatcher_lag_seconds')).toBe(0);
    expect(metrics.value('llm_proxy_dispatcher_source_lag_events')).toBe(0);
    expect(metrics.types.get('llm_proxy_dispatcher_events_delivered_total')).toBe('counter');
    expect(metrics.value('process_cpu_user_seconds_total')).toBeGreaterThan(0); // the process's default metrics

    // A batch held at the sink: it shows in the buffer and as lag (sampleEvent's ended_at is in the past).
    let release: (() => void) | undefined;
    answer = () => new Promise((resolve) => (release = () => resolve({ status: 200 })));
    await addEvents(redis, streamKey, [sampleEvent()]);
    await until(() => release !== undefined, 'the event at the sink');
    expect(await value('llm_proxy_dispatcher_buffered_events')).toBe(1);
    metrics = await scrape();
    expect(metrics.value('llm_proxy_dispatcher_lag_seconds')).toBeGreaterThan(0);
    expect(metrics.value('llm_proxy_dispatcher_buffer_fill_ratio')).toBeGreaterThan(0);
    release?.();
    await until(async () => (await value('llm_proxy_dispatcher_events_delivered_total')) === 6, 'the held event delivered');

    // Refused for good (400): dead-lettered at once.
    answer = () => ({ status: 400 });
    await addEvents(redis, streamKey, [sampleEvent()]);
    await until(async () => (await value('llm_proxy_dispatcher_events_dead_lettered_total')) === 1, 'the refused event dead-lettered');
    expect(await value('llm_proxy_dispatcher_sink_errors_total', { kind: 'permanent' })).toBe(1);
    expect(await redis.xlen(`${streamKey}:dead-letter`)).toBe(1);
    expect(await value('llm_proxy_dispatcher_events_received_total')).toBe(7);

    const notFound = await fetch(metricsUrl.replace(/\/metrics$/, '/other'));
    expect(notFound.status).toBe(404);
  }, 30_000);

  it('reads with COUNT REDIS_STREAM_BATCH_SIZE and BLOCK REDIS_STREAM_BLOCK_TIME; SIGTERM still ends it cleanly', async () => {
    const blocking = reads.filter((args) => args.includes('BLOCK'));
    expect(blocking.length).toBeGreaterThan(0);
    for (const args of blocking) expect(args[args.indexOf('COUNT') + 1]).toBe('2');
    // BLOCK is REDIS_STREAM_BLOCK_TIME, shortened only to end by the next claim round (every 5 s here).
    const blocks = blocking.map((args) => Number(args[args.indexOf('BLOCK') + 1]));
    expect(Math.max(...blocks)).toBe(700);
    for (const block of blocks) expect(block).toBeGreaterThan(0);
    for (const args of reads) expect(Number(args[args.indexOf('COUNT') + 1])).toBeLessThanOrEqual(2);

    const running = dispatcher;
    if (running === undefined) throw new Error('the dispatcher of the first test did not start');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toMatch(/6 events delivered/);
  });
});
