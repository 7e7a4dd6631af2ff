import { Registry } from 'prom-client';
import type { DispatcherStats } from '../dispatcher/index.js';
import { processMetricsRegistry } from './process-metrics.js';
import { scrapedCounter, scrapedCounterBy, scrapedGauge } from './scraped-metric.js';

/** What the dispatcher's metrics are read from, at each scrape. */
export interface DispatcherMetricsSources {
  readonly stats: () => DispatcherStats;
  /** Events the dispatcher holds at most: the read-ahead (--buffer, at least --batch-size) plus the batch at the sink. */
  readonly bufferCapacity: number;
  /** Events the server dropped because this dispatcher read too slowly (live stream); undefined for Redis Streams. */
  readonly serverDropped?: () => number;
  /** Events in the stream not yet delivered to the consumer group; undefined when the source cannot tell. */
  readonly sourceLag: () => Promise<number | undefined>;
}

export interface DispatcherMetrics {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * The dispatcher's Prometheus metrics (`llm_proxy_dispatcher_*`), read from the counts the
 * dispatcher keeps when scraped, in a registry of their own, followed by the process's default
 * metrics.
 */
export function createDispatcherMetrics(sources: DispatcherMetricsSources): DispatcherMetrics {
  const registry = new Registry();
  const { stats } = sources;
  const counter = (name: string, help: string, read: () => number) => scrapedCounter(registry, { name: `llm_proxy_dispatcher_${name}`, help, read });
  counter('events_received_total', 'Events read from the source (Redis Streams or the live stream)', () => stats().received);
  counter('events_delivered_total', 'Events the sink took', () => stats().delivered);
  counter('events_dead_lettered_total', 'Events handed to the dead letter (retries exhausted, or refused for good by the sink)', () => stats().deadLettered);
  counter('events_dropped_total', 'Events the server dropped because this dispatcher read too slowly (live stream: its buffer was full)', () => sources.serverDropped?.() ?? 0);
  counter('retries_total', 'Sends repeated after a retryable failure', () => stats().retried);
  counter('batches_total', 'Batches the sink took whole', () => stats().batches);
  scrapedCounterBy(registry, 'kind', {
    name: 'llm_proxy_dispatcher_sink_errors_total',
    help: 'Failed sends by kind: retryable (network, timeout, 5xx, 429), permanent (events refused for good), refused (credentials)',
    read: () => stats().sinkErrors,
  });
  scrapedGauge(registry, {
    name: 'llm_proxy_dispatcher_lag_seconds',
    help: 'Age of the oldest event read and not yet shipped (since it ended at the proxy); 0 when none waits',
    read: () => {
      const endedAt = stats().oldestPendingEndedAt;
      return endedAt === undefined ? 0 : Math.max(0, (Date.now() - endedAt) / 1000);
    },
  });
  scrapedGauge(registry, {
    name: 'llm_proxy_dispatcher_buffer_fill_ratio',
    help: 'Events read and not yet shipped, as a share of what the dispatcher holds at most (--buffer read ahead plus the batch at the sink); near 1: the sink is the bottleneck',
    read: () => stats().buffered / sources.bufferCapacity,
  });
  scrapedGauge(registry, { name: 'llm_proxy_dispatcher_buffered_events', help: 'Events read and not yet shipped', read: () => stats().buffered });
  scrapedGauge(registry, {
    name: 'llm_proxy_dispatcher_source_lag_events',
    help: 'Events in the Redis stream not yet delivered to the consumer group (-1 when Redis cannot tell, or on the live stream)',
    read: async () => (await sources.sourceLag().catch(() => undefined)) ?? -1,
  });
  const processRegistry = processMetricsRegistry();
  return {
    contentType: registry.contentType,
    async render() {
      const [own, process] = await Promise.all([registry.metrics(), processRegistry.metrics()]);
      return [own, process].join('\n');
    },
  };
}
