import { afterAll, describe, expect, it } from 'vitest';
import { createTestConfig, type SettingName } from '../../src/config/index.js';
import { openEventBus, type EventBusLog, type ProxyEvent } from '../../src/events/index.js';
import { redisUnavailable, startTcpRelay } from '../support/tcp-relay.js';
import { sampleEvent, testStreams } from './redis-streams-support.js';

/** Records what the bus logs. */
function recordingLog(): EventBusLog & { warnings: { fields: object; message: string }[] } {
  const warnings: { fields: object; message: string }[] = [];
  return { warnings, warn: (fields, message) => void warnings.push({ fields, message }), error: () => undefined };
}

const eventsConfig = (settings: Partial<Record<SettingName, string>>) => createTestConfig(settings).events;

describe('openEventBus, in-memory (the default)', () => {
  it('wants events only while something subscribes, and delivers them in-process', async () => {
    const bus = await openEventBus(eventsConfig({}), { log: recordingLog() });
    expect(bus.hasSubscribers).toBe(false);
    const seen: ProxyEvent[] = [];
    const unsubscribe = bus.subscribe((event) => seen.push(event));
    expect(bus.hasSubscribers).toBe(true);
    const event = sampleEvent();
    bus.publish(event);
    await expect.poll(() => seen).toEqual([event]);
    unsubscribe();
    expect(bus.stats()).toEqual({ published: 1, delivered: 1, dropped: 0 });
    await bus.close();
  });
});

const unreachable = await redisUnavailable();

describe.skipIf(unreachable !== undefined)('openEventBus, redis-streams (real Redis on 127.0.0.1:6379)', () => {
  const streams = testStreams();
  afterAll(() => streams.cleanup());

  it('wants every event without subscribers, sends it to the stream and to subscribers alike', async () => {
    const key = streams.key();
    const bus = await openEventBus(eventsConfig({ LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: '127.0.0.1:6379', REDIS_STREAM_KEY: key }), { log: recordingLog() });
    expect(bus.hasSubscribers).toBe(true);
    const seen: ProxyEvent[] = [];
    bus.subscribe((event) => seen.push(event));
    const event = sampleEvent();
    bus.publish(event);
    await bus.close();
    expect(seen).toEqual([event]);
    expect(await streams.redis.xlen(key)).toBe(1);
    expect(bus.stats()).toMatchObject({ published: 1, delivered: 1, remote: { sent: 1, buffered: 0, dropped: 0 } });
  });

  it('warns (throttled) when events are dropped for a full buffer, and names what shutdown could not send', async () => {
    const relay = await startTcpRelay(6379);
    try {
      const log = recordingLog();
      const settings = { LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: `127.0.0.1:${relay.port}`, REDIS_STREAM_KEY: streams.key(), OBSERVABILITY_BUFFER_SIZE: '2' };
      const bus = await openEventBus(eventsConfig(settings), { log, closeTimeoutMs: 100 });
      relay.down();
      for (let index = 0; index < 5; index++) bus.publish(sampleEvent());
      const full = log.warnings.filter((warning) => warning.message.includes('the buffer for Redis'));
      expect(full).toEqual([
        { fields: { err: undefined, buffered: 2, dropped: 1 }, message: `event bus: events dropped, the buffer for Redis at 127.0.0.1:${relay.port} is full (OBSERVABILITY_BUFFER_SIZE=2)` },
      ]);
      await bus.close();
      expect(log.warnings.at(-1)).toEqual({ fields: { unsent: 2 }, message: 'events not sent to Redis before shutdown are lost' });
      expect(bus.stats().remote).toMatchObject({ sent: 0, buffered: 0, dropped: 5 });
    } finally {
      await relay.close();
    }
  });
});
