import type { IncomingHttpHeaders } from 'node:http';
import {
  deltaSeconds,
  parseAge,
  parseCacheControl,
  parseHttpDate,
  parseVary,
  requestDirectives,
  type CacheDirectives,
} from './cache-control.js';

/**
 * Shared-cache rules of RFC 9111 as they apply to this proxy: which requests the cache handles,
 * which answers it keeps and for how long, and when a kept answer may be used. Every request
 * through the proxy carries a token in Authorization, so a response is shared only when the
 * upstream says so (public, s-maxage, must-revalidate: §3.5) or the client opted in, and the
 * sharing never crosses a project (the key holds the project).
 */

export type CacheableMethod = 'GET' | 'HEAD' | 'POST';

/** What the request allows the cache to do. */
export interface RequestPlan {
  readonly cacheable: true;
  readonly method: CacheableMethod;
  /** False with no-cache (or Pragma: no-cache): go upstream and refresh the entry. */
  readonly mayUseStored: boolean;
  /** False with no-store: neither this request nor its answer is stored. */
  readonly mayStore: boolean;
  /** `public` with s-maxage=N or max-age=N (N > 0): the client lets the cache keep the answer N s. */
  readonly optInSeconds: number | undefined;
  readonly maxAge: number | undefined;
  readonly minFresh: number | undefined;
  /** Seconds of staleness accepted; Infinity for a bare max-stale. */
  readonly maxStale: number | undefined;
  readonly onlyIfCached: boolean;
}

/** A request the cache leaves alone (no lookup, no store). */
export interface RequestBypass {
  readonly cacheable: false;
  readonly reason: 'method' | 'no-opt-in';
  /** only-if-cached on a request the cache cannot answer: the proxy must reply 504. */
  readonly onlyIfCached: boolean;
}

/** The client's opt-in: `public` plus a positive s-maxage (preferred) or max-age. */
function optInSeconds(directives: CacheDirectives): number | undefined {
  if (!directives.has('public')) return undefined;
  const seconds = deltaSeconds(directives, 's-maxage') ?? deltaSeconds(directives, 'max-age');
  return seconds !== undefined && seconds > 0 ? seconds : undefined;
}

function maxStaleSeconds(directives: CacheDirectives): number | undefined {
  const argument = directives.get('max-stale');
  if (argument === undefined) return undefined;
  return argument === '' ? Infinity : deltaSeconds(directives, 'max-stale');
}

/**
 * Reads a request's method and caching headers. GET and HEAD are looked up; POST only with the
 * client's opt-in (its answer depends on a body the upstream never promised to keep stable).
 */
export function planRequest(method: string, headers: IncomingHttpHeaders): RequestPlan | RequestBypass {
  const directives = requestDirectives(headers['cache-control'], headers.pragma);
  const onlyIfCached = directives.has('only-if-cached');
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return { cacheable: false, reason: 'method', onlyIfCached };
  const optIn = optInSeconds(directives);
  if (method === 'POST' && optIn === undefined) return { cacheable: false, reason: 'no-opt-in', onlyIfCached };
  return {
    cacheable: true,
    method,
    mayUseStored: !directives.has('no-cache'),
    mayStore: !directives.has('no-store'),
    optInSeconds: optIn,
    maxAge: deltaSeconds(directives, 'max-age'),
    minFresh: deltaSeconds(directives, 'min-fresh'),
    maxStale: maxStaleSeconds(directives),
    onlyIfCached,
  };
}

/** Heuristically cacheable status codes (RFC 9110 §15.1) minus 206: partial bodies are never kept. */
const GET_STORABLE_STATUS = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);
/** A POST answer, or an answer kept on the client's word alone, must be a complete success. */
const SUCCESS_STORABLE_STATUS = new Set([200, 203, 204]);

export interface StoreTiming {
  /** When the upstream request was sent (ms since the epoch). */
  readonly requestTime: number;
  /** When its response headers arrived. */
  readonly responseTime: number;
}

export interface StoreDecision {
  readonly store: true;
  /** Freshness lifetime in seconds (RFC 9111 §4.2.1). */
  readonly lifetimeSeconds: number;
  /** corrected_initial_age of RFC 9111 §4.2.3, in seconds. */
  readonly initialAgeSeconds: number;
  /** Where the lifetime came from. */
  readonly source: 'response' | 'opt-in' | 'default-ttl';
  /** No stale use allowed, whatever max-stale says (must-revalidate, proxy-revalidate, s-maxage). */
  readonly mustRevalidate: boolean;
  /** Lower-case request header names the answer varies on. */
  readonly vary: readonly string[];
}

export interface StoreRefusal {
  readonly store: false;
  readonly reason: string;
}

function explicitLifetime(directives: CacheDirectives, headers: IncomingHttpHeaders, responseTime: number): number | undefined {
  const sMaxAge = deltaSeconds(directives, 's-maxage');
  if (sMaxAge !== undefined) return sMaxAge;
  const maxAge = deltaSeconds(directives, 'max-age');
  if (maxAge !== undefined) return maxAge;
  const expiresHeader = headers.expires;
  if (expiresHeader === undefined) return undefined;
  const expires = parseHttpDate(expiresHeader);
  if (expires === undefined) return 0; // an invalid Expires (such as "0") means already expired
  const date = parseHttpDate(headers.date) ?? responseTime;
  return Math.max(0, Math.floor((expires - date) / 1000));
}

/** corrected_initial_age (RFC 9111 §4.2.3). */
export function initialAge(headers: IncomingHttpHeaders, timing: StoreTiming): number {
  const date = parseHttpDate(headers.date) ?? timing.responseTime;
  const apparentAge = Math.max(0, (timing.responseTime - date) / 1000);
  const responseDelay = (timing.responseTime - timing.requestTime) / 1000;
  const correctedAgeValue = parseAge(typeof headers.age === 'string' ? headers.age : undefined) + responseDelay;
  return Math.max(apparentAge, correctedAgeValue);
}

/**
 * Decides whether an upstream answer is kept, for how long, and under which Vary. `defaultTtlSeconds`
 * (HTTP_CACHE_DEFAULT_TTL) is the heuristic lifetime of a GET answer the upstream marked `public`
 * without an expiry; 0 turns that off. POST answers never get a heuristic lifetime.
 */
export function decideStorage(
  plan: RequestPlan,
  status: number,
  headers: IncomingHttpHeaders,
  timing: StoreTiming,
  defaultTtlSeconds: number,
): StoreDecision | StoreRefusal {
  if (!plan.mayStore) return { store: false, reason: 'request-no-store' };
  const directives = parseCacheControl(headers['cache-control']);
  if (directives.has('no-store')) return { store: false, reason: 'no-store' };
  if (directives.has('private')) return { store: false, reason: 'private' };
  const vary = parseVary(headers.vary);
  if (vary.includes('*')) return { store: false, reason: 'vary-star' };
  if (headers['content-range'] !== undefined) return { store: false, reason: 'partial' };

  const explicit = explicitLifetime(directives, headers, timing.responseTime);
  const shared = directives.has('public') || directives.has('s-maxage') || directives.has('must-revalidate');
  let lifetimeSeconds: number;
  let source: StoreDecision['source'];
  if (plan.method === 'POST') {
    if (!SUCCESS_STORABLE_STATUS.has(status)) return { store: false, reason: 'status' };
    lifetimeSeconds = explicit ?? plan.optInSeconds ?? 0;
    source = explicit !== undefined ? 'response' : 'opt-in';
  } else if (plan.optInSeconds !== undefined && !(shared && explicit !== undefined)) {
    if (!SUCCESS_STORABLE_STATUS.has(status)) return { store: false, reason: 'status' };
    lifetimeSeconds = explicit ?? plan.optInSeconds;
    source = explicit !== undefined ? 'response' : 'opt-in';
  } else {
    // Storing an answer that must be revalidated on every use would never produce a hit here.
    // (With the client's opt-in it is kept anyway, as the Go original does: event streams
    // carry no-cache to keep intermediaries from buffering them, not to forbid reuse.)
    if (directives.has('no-cache')) return { store: false, reason: 'no-cache' };
    if (!GET_STORABLE_STATUS.has(status)) return { store: false, reason: 'status' };
    if (!shared) return { store: false, reason: 'authorization' };
    if (explicit !== undefined) {
      lifetimeSeconds = explicit;
      source = 'response';
    } else {
      lifetimeSeconds = defaultTtlSeconds;
      source = 'default-ttl';
    }
  }
  const initialAgeSeconds = initialAge(headers, timing);
  if (lifetimeSeconds <= initialAgeSeconds) return { store: false, reason: 'stale' };
  const mustRevalidate = directives.has('must-revalidate') || directives.has('proxy-revalidate') || directives.has('s-maxage');
  return { store: true, lifetimeSeconds, initialAgeSeconds, source, mustRevalidate, vary };
}

/** What the cache knows about a stored answer to judge its freshness. */
export interface Freshness {
  readonly responseTime: number;
  readonly lifetimeSeconds: number;
  readonly initialAgeSeconds: number;
  readonly mustRevalidate: boolean;
}

/** current_age (RFC 9111 §4.2.3) at `now`, in seconds. */
export function currentAge(entry: Freshness, now: number): number {
  return entry.initialAgeSeconds + Math.max(0, now - entry.responseTime) / 1000;
}

export type Usability =
  | { readonly usable: true; readonly ageSeconds: number; readonly ttlSeconds: number }
  | { readonly usable: false; readonly reason: 'request' | 'stale'; readonly ageSeconds: number; readonly ttlSeconds: number };

/** May this stored answer satisfy this request now (RFC 9111 §4.2, §5.2.1)? */
export function judgeStored(plan: RequestPlan, entry: Freshness, now: number): Usability {
  const ageSeconds = currentAge(entry, now);
  const ttlSeconds = entry.lifetimeSeconds - ageSeconds;
  const refuse = (reason: 'request' | 'stale'): Usability => ({ usable: false, reason, ageSeconds, ttlSeconds });
  if (!plan.mayUseStored) return refuse('request');
  if (plan.maxAge !== undefined && ageSeconds > plan.maxAge) return refuse('request');
  if (plan.minFresh !== undefined && ttlSeconds < plan.minFresh) return refuse('request');
  if (ttlSeconds <= 0) {
    const staleAccepted = plan.maxStale !== undefined && !entry.mustRevalidate && -ttlSeconds <= plan.maxStale;
    if (!staleAccepted) return refuse('stale');
  }
  return { usable: true, ageSeconds, ttlSeconds };
}
