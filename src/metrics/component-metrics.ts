import type { Registry } from 'prom-client';
import type { AuditLogStats } from '../audit/index.js';
import type { CacheCounters, CacheStats } from '../cache/index.js';
import type { EventBusStats } from '../events/index.js';
import { scrapedCounter, scrapedCounterBy, scrapedGauge } from './scraped-metric.js';

/**
 * Metrics of the server's parts, read from the counts they keep when scraped: the event bus,
 * the response cache and the audit log. Nothing here runs on the data path.
 */

export function registerBusMetrics(registry: Registry, stats: () => EventBusStats): void {
  scrapedCounter(registry, {
    name: 'llm_proxy_events_published_total',
    help: 'Events handed to the event bus (only while something takes them: FILE_EVENT_LOG, a GET /manage/events client, Redis Streams)',
    read: () => stats().published,
  });
  scrapedCounter(registry, {
    name: 'llm_proxy_events_delivered_total',
    help: 'Events delivered to the in-process subscribers of the bus (FILE_EVENT_LOG, GET /manage/events clients)',
    read: () => stats().delivered,
  });
  const hasRemote = stats().remote !== undefined;
  scrapedCounterBy(registry, 'transport', {
    name: 'llm_proxy_events_dropped_total',
    help: 'Events dropped because a buffer was full (OBSERVABILITY_BUFFER_SIZE): in-process subscribers, or the Redis stream (also: refused by Redis, unsent at shutdown)',
    read: (): Record<string, number> => {
      const { dropped, remote } = stats();
      return remote === undefined ? { 'in-process': dropped } : { 'in-process': dropped, 'redis-streams': remote.dropped };
    },
  });
  if (!hasRemote) return;
  scrapedCounter(registry, {
    name: 'llm_proxy_events_redis_sent_total',
    help: 'Events added to the Redis stream (XADD answered)',
    read: () => stats().remote?.sent ?? 0,
  });
  scrapedGauge(registry, {
    name: 'llm_proxy_events_redis_buffered',
    help: 'Events held in memory, not yet sent to Redis (Redis away or slow; the next batch)',
    read: () => stats().remote?.buffered ?? 0,
  });
  scrapedCounter(registry, {
    name: 'llm_proxy_events_redis_failed_flushes_total',
    help: 'Batches of events that could not be sent to Redis (kept and sent again)',
    read: () => stats().remote?.failedAttempts ?? 0,
  });
}

/** The response cache: this process's counts; entries and bytes only in memory (on Redis they take a SCAN of every key). */
export function registerCacheMetrics(registry: Registry, cache: { readonly backend: string; counters(): CacheCounters; stats(): Promise<CacheStats> }): void {
  const counters: [string, string, keyof CacheCounters][] = [
    ['llm_proxy_cache_hits_total', 'Calls answered from the response cache', 'hits'],
    ['llm_proxy_cache_misses_total', 'Cacheable calls not found in the cache (sent upstream)', 'misses'],
    ['llm_proxy_cache_bypass_total', 'Calls the cache left alone (not cacheable: method, no opt-in, no-store…)', 'bypasses'],
    ['llm_proxy_cache_stores_total', 'Answers stored in the cache', 'stores'],
    ['llm_proxy_cache_coalesced_waits_total', 'Calls that waited for an identical call in flight instead of going upstream', 'coalescedWaits'],
    ['llm_proxy_cache_backend_errors_total', 'Cache backend failures (the calls were served without the cache)', 'backendErrors'],
  ];
  for (const [name, help, key] of counters) scrapedCounter(registry, { name, help, read: () => cache.counters()[key] });
  if (cache.backend !== 'in-memory') return;
  scrapedGauge(registry, { name: 'llm_proxy_cache_entries', help: 'Answers held in the in-memory cache', read: async () => (await cache.stats()).entries });
  scrapedGauge(registry, { name: 'llm_proxy_cache_bytes', help: 'Bytes of the answers held in the in-memory cache', read: async () => (await cache.stats()).bytes });
  scrapedCounter(registry, {
    name: 'llm_proxy_cache_evictions_total',
    help: 'Answers evicted from the in-memory cache to stay within HTTP_CACHE_MAX_BYTES',
    read: async () => (await cache.stats()).evictions,
  });
}

export function registerAuditMetrics(registry: Registry, stats: () => AuditLogStats): void {
  scrapedCounter(registry, { name: 'llm_proxy_audit_records_total', help: 'Audit records made (management changes and refused management tokens)', read: () => stats().records });
  scrapedCounterBy(registry, 'destination', {
    name: 'llm_proxy_audit_dropped_total',
    help: 'Audit records lost: the file failed or its disk was too slow for too long, or the database refused them (locked by another process) for too long',
    read: () => {
      const { fileDropped, databaseDropped } = stats();
      return { file: fileDropped, database: databaseDropped };
    },
  });
  scrapedCounter(registry, {
    name: 'llm_proxy_audit_write_failures_total',
    help: 'Writes of audit records to the database that failed (the records wait for the next write)',
    read: () => stats().databaseWriteFailures,
  });
}
