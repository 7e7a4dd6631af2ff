import { Counter, type Registry } from 'prom-client';
import type { CallRecord } from '../events/index.js';
import { BucketCounts, histogramText, labelValue } from './bucket-histogram.js';
import type { RouteTemplates } from './route-template.js';

/** From a cache hit (a few ms) to a long streamed answer (two minutes), in seconds. */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

/** `aborted`: the client left before any status was sent (status 0). */
const STATUS_CLASSES = ['aborted', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** `none`: the response cache did not look at the call (off, or the call was refused before it). */
const CACHE_STATES = ['none', 'hit', 'miss', 'bypass', 'other'] as const;
const DIRECTIONS = ['prompt', 'completion', 'cached', 'reasoning'] as const;
/** Calls with usage `missing` carry no tokens. */
const SOURCES = ['provider', 'estimated'] as const;

/** The counts of one route: requests by status class × cache state, and its two histograms. */
interface RouteSeries {
  readonly route: string;
  /** `route="…"`, for the histograms' text. */
  readonly labels: string;
  readonly requests: Float64Array;
  readonly duration: BucketCounts;
  readonly upstream: BucketCounts;
}

function statusClassIndex(status: number): number {
  if (status <= 0) return 0;
  return Math.min(5, Math.max(1, Math.floor(status / 100)));
}

function cacheStateIndex(cacheStatus: string | null): number {
  switch (cacheStatus) {
    case null:
      return 0;
    case 'hit':
      return 1;
    case 'miss':
      return 2;
    case 'bypass':
      return 3;
    default:
      return 4;
  }
}

/** Indexes are computed within the array's fixed length. */
function add(counts: Float64Array, index: number, value: number): void {
  counts[index] = (counts[index] as number) + value;
}

/** A count a provider got wrong (negative, not a number) is left out: a counter only goes up. */
function addTokens(counts: Float64Array, index: number, tokens: number): void {
  if (tokens > 0 && Number.isFinite(tokens)) add(counts, index, tokens);
}

export interface RequestMetrics {
  /** Records one event; synchronous, never throws. */
  readonly record: (call: CallRecord) => void;
  /** The two duration histograms in the text format (the counters are in the registry). */
  histogramsText(): string;
}

/**
 * The metrics made of the proxy's events: `llm_proxy_requests_total`, the request and upstream
 * duration histograms and `llm_proxy_tokens_total`. Recording runs for every call, as the data
 * path completes it: everything is a plain number in an array found through a map lookup or two
 * (no label objects, no strings built); the counters are copied into prom-client's when scraped,
 * the histograms written out by bucket-histogram.ts.
 */
export function createRequestMetrics(registry: Registry, routeOf: RouteTemplates): RequestMetrics {
  const routes = new Map<string, RouteSeries>();
  /** Per project: tokens by source × direction. */
  const tokens = new Map<string, Float64Array>();

  new Counter({
    name: 'llm_proxy_requests_total',
    help: 'Proxied calls on /v1 by route template, status class (1xx: WebSocket sessions, 2xx…5xx, aborted: the client left before a status) and cache verdict',
    labelNames: ['route', 'status_class', 'cache'],
    registers: [registry],
    collect() {
      this.reset();
      for (const series of routes.values()) {
        series.requests.forEach((count, index) => {
          if (count === 0) return;
          const statusClass = STATUS_CLASSES[Math.floor(index / CACHE_STATES.length)] as string;
          const cache = CACHE_STATES[index % CACHE_STATES.length] as string;
          this.inc({ route: series.route, status_class: statusClass, cache }, count);
        });
      }
    },
  });

  new Counter({
    name: 'llm_proxy_tokens_total',
    help: 'Tokens of proxied calls by project, direction (prompt, completion; cached is part of prompt, reasoning part of completion) and source (provider: reported by the upstream; estimated: cut calls counted with a tokenizer)',
    labelNames: ['project_id', 'direction', 'source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [projectId, counts] of tokens) {
        counts.forEach((count, index) => {
          if (count === 0) return;
          const source = SOURCES[Math.floor(index / DIRECTIONS.length)] as string;
          const direction = DIRECTIONS[index % DIRECTIONS.length] as string;
          this.inc({ project_id: projectId, direction, source }, count);
        });
      }
    },
  });

  function seriesOf(route: string): RouteSeries {
    let series = routes.get(route);
    if (series === undefined) {
      series = {
        route,
        labels: `route="${labelValue(route)}"`,
        requests: new Float64Array(STATUS_CLASSES.length * CACHE_STATES.length),
        duration: new BucketCounts(DURATION_BUCKETS_SECONDS),
        upstream: new BucketCounts(DURATION_BUCKETS_SECONDS),
      };
      routes.set(route, series);
    }
    return series;
  }

  function recordTokens(event: CallRecord): void {
    const { usage, project_id: projectId } = event;
    if (projectId === null || usage.source === 'missing') return;
    let counts = tokens.get(projectId);
    if (counts === undefined) tokens.set(projectId, (counts = new Float64Array(SOURCES.length * DIRECTIONS.length)));
    const base = usage.source === 'provider' ? 0 : DIRECTIONS.length;
    addTokens(counts, base, usage.prompt_tokens);
    addTokens(counts, base + 1, usage.completion_tokens);
    addTokens(counts, base + 2, usage.cached_tokens);
    addTokens(counts, base + 3, usage.reasoning_tokens);
  }

  function* histogramSeries(which: 'duration' | 'upstream') {
    for (const series of routes.values()) if (series[which].count > 0) yield { labels: series.labels, counts: series[which] };
  }

  return {
    record(event) {
      const series = seriesOf(routeOf(event.path, event.error_code));
      add(series.requests, statusClassIndex(event.status) * CACHE_STATES.length + cacheStateIndex(event.cache_status), 1);
      series.duration.observe(Math.max(0, event.duration_ms) / 1000);
      if (event.upstream_ms !== null) series.upstream.observe(Math.max(0, event.upstream_ms) / 1000);
      recordTokens(event);
    },
    histogramsText: () =>
      histogramText(
        'llm_proxy_request_duration_seconds',
        'Proxied calls on /v1: from the request to the end of the response (streams included), by route template',
        DURATION_BUCKETS_SECONDS,
        histogramSeries('duration'),
      ) +
      '\n' +
      histogramText(
        'llm_proxy_upstream_duration_seconds',
        'Calls that went upstream: from sending the request to the upstream response headers, by route template',
        DURATION_BUCKETS_SECONDS,
        histogramSeries('upstream'),
      ),
  };
}
