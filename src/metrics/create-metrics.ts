import { Gauge, Registry } from 'prom-client';
import type { AuditLogStats } from '../audit/index.js';
import type { CacheCounters, CacheStats } from '../cache/index.js';
import type { CallRecord, EventBusStats } from '../events/index.js';
import { VERSION } from '../version.js';
import { registerAuditMetrics, registerBusMetrics, registerCacheMetrics } from './component-metrics.js';
import { processMetricsRegistry } from './process-metrics.js';
import { createRequestMetrics } from './request-metrics.js';
import { createRouteTemplates } from './route-template.js';
import { scrapedGauge } from './scraped-metric.js';

/** What the metrics are made of. */
export interface MetricsSources {
  /** The provider's allowed endpoints: the fixed part of the route templates. */
  readonly allowedEndpoints: readonly string[];
  readonly events: { stats(): EventBusStats };
  /** Undefined when HTTP_CACHE_ENABLED=false. */
  readonly cache: { readonly backend: string; counters(): CacheCounters; stats(): Promise<CacheStats> } | undefined;
  readonly audit: { stats(): AuditLogStats };
}

export interface Metrics {
  /** An event recorder of the proxy: takes every call's event, synchronously, and never throws. */
  readonly record: (call: CallRecord) => void;
  /** The Prometheus text format's content type. */
  readonly contentType: string;
  /** The text exposition of every metric, read now. */
  render(): Promise<string>;
}

/**
 * The server's Prometheus metrics, in a registry of this app's own (so a process may hold several
 * apps, as tests do), followed by the process's default metrics.
 */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const startedAt = Date.now();
  const requests = createRequestMetrics(registry, createRouteTemplates(sources.allowedEndpoints));
  registerBusMetrics(registry, () => sources.events.stats());
  if (sources.cache !== undefined) registerCacheMetrics(registry, sources.cache);
  registerAuditMetrics(registry, () => sources.audit.stats());
  scrapedGauge(registry, { name: 'llm_proxy_uptime_seconds', help: 'Seconds since the server started', read: () => (Date.now() - startedAt) / 1000 });
  new Gauge({ name: 'llm_proxy_build_info', help: 'Always 1; the version of llm-proxy in its label', labelNames: ['version'], registers: [registry] }).set({ version: VERSION }, 1);
  const processRegistry = processMetricsRegistry();

  return {
    record: requests.record,
    contentType: registry.contentType,
    async render() {
      const [own, process] = await Promise.all([registry.metrics(), processRegistry.metrics()]);
      return [own, requests.histogramsText(), process].join('\n');
    },
  };
}
