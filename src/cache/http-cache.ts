import type { IncomingHttpHeaders } from 'node:http';
import { CacheBackendDown, type CacheStore, type PurgeFilter } from './cache-store.js';
import { forwardHeaders, hitHeaders, type ForwardReason, type ForwardStatus } from './cache-status.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCoalescer, type Flight } from './coalescer.js';
import { storedHeaders, type CachedResponse } from './entry.js';
import { isCompletedEventStream, isEventStream } from './event-stream.js';
import { deriveKey, varyMatches, varyValues, type CacheKey } from './key.js';
import { currentAge, decideStorage, judgeStored, planRequest, type RequestBypass, type RequestPlan, type StoreTiming } from './policy.js';

type LeaderFlight = Extract<Flight<CachedResponse>, { leader: true }>;
type FollowerFlight = Extract<Flight<CachedResponse>, { leader: false }>;

export interface HttpCacheOptions {
  readonly store: CacheStore;
  /** HTTP_CACHE_DEFAULT_TTL in seconds: lifetime of a `public` GET answer without an expiry; 0 = none. */
  readonly defaultTtlSeconds: number;
  /** HTTP_CACHE_MAX_OBJECT_BYTES: a larger body is not captured past this size, nor stored. */
  readonly maxObjectBytes: number;
  /** How long an entry is kept past its freshness, for requests that accept stale answers (max-stale). */
  readonly staleRetentionSeconds?: number;
  /** Longest wait of a request for an identical one in flight before it goes upstream itself. */
  readonly coalesceWaitMs?: number;
  readonly now?: () => number;
  /** Told when the store fails (the request is served anyway). */
  readonly onBackendError?: (error: Error) => void;
}

/** What the lookup stage knows about the request (after admission: the project is known). */
export interface CacheRequest {
  readonly projectId: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The whole request body (a cacheable POST must be read before the lookup). */
  readonly body: Buffer | undefined;
  /**
   * A signal aborted when the client leaves, so that a coalesced wait ends at once; asked for only
   * when the lookup has to wait (an AbortSignal per request would cost more than a hit).
   */
  readonly cancellation?: () => AbortSignal;
}

/** Serve this without calling upstream: status, headers (stored + cache headers + Age), body. */
export interface CacheHit {
  readonly kind: 'hit';
  readonly key: CacheKey;
  readonly status: number;
  readonly headers: readonly string[];
  readonly chunks: readonly Buffer[];
  readonly gapsMs: readonly number[];
  readonly eventStream: boolean;
}

/** Go upstream. With a tap, feed it the answer; without one, add `headers` to the answer. */
export interface CacheForward {
  readonly kind: 'forward';
  readonly key: CacheKey;
  readonly headers: readonly string[];
  readonly tap: CacheTap | undefined;
}

/** only-if-cached and nothing fits: answer 504 with these headers, never call upstream. */
export interface CacheUnsatisfiable {
  readonly kind: 'unsatisfiable';
  readonly headers: readonly string[];
}

export type CacheLookup = CacheHit | CacheForward | CacheUnsatisfiable;

/**
 * The response tap of a forwarded cacheable request. Call begin() when the upstream's headers
 * arrive, chunk() for each body chunk as it passes to the client, then complete() (the whole body
 * reached the client) or abort() (upstream error, timeout, client gone, or the upstream never
 * answered). The first of the two counts; a later call is ignored, so abort() is safe to call
 * from a completion hook that runs whatever happened.
 */
export interface CacheTap {
  /** Decides whether the answer will be stored; returns the cache headers for the client. */
  begin(status: number, headers: IncomingHttpHeaders, timing: StoreTiming): readonly string[];
  chunk(data: Buffer): void;
  /** Stores the answer if it is storable; never rejects (a store failure is only counted). */
  complete(): Promise<void>;
  abort(): void;
}

export interface ProjectCacheStats {
  hits: number;
  misses: number;
  stores: number;
}

/** This process's counts since its start (no I/O: cheap enough for every metrics scrape). */
export interface CacheCounters {
  readonly hits: number;
  readonly misses: number;
  readonly bypasses: number;
  readonly stores: number;
  readonly coalescedWaits: number;
  readonly backendErrors: number;
}

export interface CacheStats extends CacheCounters {
  readonly backend: CacheStore['name'];
  readonly entries: number;
  readonly bytes: number;
  readonly evictions: number;
  readonly byProject: Readonly<Record<string, Readonly<ProjectCacheStats>>>;
}

export interface HttpCache {
  readonly backend: CacheStore['name'];
  /**
   * Reads the request's method and headers (no body, no I/O): cacheable, or left alone (then
   * the answer carries no cache headers: the cache costs nothing when it does nothing).
   */
  plan(method: string, headers: IncomingHttpHeaders): RequestPlan | RequestBypass;
  /** Synchronous when the store is in this process and the answer is a hit or a plain forward. */
  lookup(plan: RequestPlan, request: CacheRequest): CacheLookup | Promise<CacheLookup>;
  purge(filter: PurgeFilter): Promise<number>;
  /** The store's entries and bytes (on Redis: a SCAN of every key) and this process's counts. */
  stats(): Promise<CacheStats>;
  counters(): CacheCounters;
  close(): Promise<void>;
}

const NO_HEADERS: readonly string[] = Object.freeze([]);

/** Copies the captured chunks into one fresh buffer: socket chunks can pin far larger slabs. */
function compact(chunks: readonly Buffer[], total: number): Buffer[] {
  const whole = Buffer.allocUnsafeSlow(total);
  const out: Buffer[] = [];
  let at = 0;
  for (const chunk of chunks) {
    chunk.copy(whole, at);
    out.push(whole.subarray(at, at + chunk.length));
    at += chunk.length;
  }
  return out;
}

export function createHttpCache(options: HttpCacheOptions): HttpCache {
  const { store, defaultTtlSeconds, maxObjectBytes } = options;
  const staleRetentionMs = (options.staleRetentionSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  const coalesceWaitMs = options.coalesceWaitMs ?? 30_000;
  const coalescer = createCoalescer<CachedResponse>({ maxWaitMs: coalesceWaitMs });
  const byProject = new Map<string, ProjectCacheStats>();
  const counts = { hits: 0, misses: 0, bypasses: 0, stores: 0, backendErrors: 0 };

  function projectStats(projectId: string): ProjectCacheStats {
    let stats = byProject.get(projectId);
    if (stats === undefined) byProject.set(projectId, (stats = { hits: 0, misses: 0, stores: 0 }));
    return stats;
  }

  function backendFailed(error: unknown): void {
    counts.backendErrors++;
    if (error instanceof Error) options.onBackendError?.(error);
  }

  /** A stored answer for this request, if it may serve it now; else why not. */
  function serve(plan: RequestPlan, request: CacheRequest, key: CacheKey, entry: CachedResponse, collapsed: boolean): CacheHit | ForwardReason {
    if (!varyMatches(entry.vary, entry.varyValues, request.headers)) return 'vary-miss';
    const judged = judgeStored(plan, entry, now());
    if (!judged.usable) return judged.reason;
    counts.hits++;
    projectStats(key.projectId).hits++;
    const headers = [...entry.headers, ...hitHeaders(key.shortKey, judged.ageSeconds, { ttlSeconds: judged.ttlSeconds, collapsed })];
    const contentType = headerValue(entry.headers, 'content-type');
    return { kind: 'hit', key, status: entry.status, headers, chunks: entry.chunks, gapsMs: entry.gapsMs, eventStream: isEventStream(contentType) };
  }

  /**
   * Cache headers of an answer that did not come from the cache: only for requests that opted
   * in. A client that did not ask for caching sees cache headers only on a hit.
   */
  function missHeaders(plan: RequestPlan, key: CacheKey, status: ForwardStatus): readonly string[] {
    return plan.optInSeconds === undefined ? NO_HEADERS : forwardHeaders(key.shortKey, status);
  }

  function forward(plan: RequestPlan, request: CacheRequest, key: CacheKey, fwd: ForwardReason, flight: LeaderFlight | undefined): CacheForward {
    counts.misses++;
    projectStats(key.projectId).misses++;
    const tap = createTap(plan, request, key, fwd, flight);
    return { kind: 'forward', key, headers: missHeaders(plan, key, { fwd }), tap };
  }

  function createTap(
    plan: RequestPlan,
    request: CacheRequest,
    key: CacheKey,
    fwd: ForwardReason,
    flight: LeaderFlight | undefined,
  ): CacheTap {
    let capturing = false;
    let chunks: Buffer[] = [];
    let gapsMs: number[] = [];
    let size = 0;
    let lastChunkAt = 0;
    let status = 0;
    let headers: string[] = [];
    let eventStream = false;
    let freshness: Pick<CachedResponse, 'responseTime' | 'lifetimeSeconds' | 'initialAgeSeconds' | 'mustRevalidate' | 'vary'> | undefined;

    let settled = false;

    function giveUp(): void {
      settled = true;
      capturing = false;
      chunks = [];
      gapsMs = [];
      flight?.finish(undefined);
    }

    return {
      begin(upstreamStatus, upstreamHeaders, timing) {
        const described: ForwardStatus = { fwd, fwdStatus: upstreamStatus };
        const decision = decideStorage(plan, upstreamStatus, upstreamHeaders, timing, defaultTtlSeconds);
        const declaredLength = Number(upstreamHeaders['content-length'] ?? 0);
        if (!decision.store) {
          giveUp();
          return missHeaders(plan, key, { ...described, detail: decision.reason });
        }
        if (declaredLength > maxObjectBytes) {
          giveUp();
          return missHeaders(plan, key, { ...described, detail: 'too-large' });
        }
        capturing = true;
        status = upstreamStatus;
        headers = storedHeaders(upstreamHeaders);
        eventStream = isEventStream(upstreamHeaders['content-type']);
        // A compressed body is only right for clients accepting the same encoding.
        const vary = upstreamHeaders['content-encoding'] !== undefined && !decision.vary.includes('accept-encoding') ? [...decision.vary, 'accept-encoding'] : decision.vary;
        freshness = {
          responseTime: timing.responseTime,
          lifetimeSeconds: decision.lifetimeSeconds,
          initialAgeSeconds: decision.initialAgeSeconds,
          mustRevalidate: decision.mustRevalidate,
          vary,
        };
        lastChunkAt = now();
        return missHeaders(plan, key, { ...described, stored: true });
      },
      chunk(data) {
        if (!capturing) return;
        size += data.length;
        if (size > maxObjectBytes) {
          giveUp();
          return;
        }
        chunks.push(data);
        const at = now();
        gapsMs.push(at - lastChunkAt);
        lastChunkAt = at;
      },
      async complete() {
        if (settled) return;
        if (!capturing || freshness === undefined) {
          giveUp();
          return;
        }
        settled = true;
        capturing = false;
        const body = compact(chunks, size);
        if (eventStream && !isCompletedEventStream(Buffer.concat(body, size))) {
          giveUp();
          return;
        }
        // A hit is written in one go: give it a length (HEAD, 204 and 304 answers carry none of their own).
        const bodyless = plan.method === 'HEAD' || status === 204 || status === 304;
        if (!eventStream && !bodyless && headerValue(headers, 'content-length') === undefined) headers.push('content-length', String(size));
        const entry: CachedResponse = { ...freshness, status, headers, chunks: body, gapsMs, varyValues: varyValues(freshness.vary, request.headers) };
        const retention = entry.mustRevalidate ? 0 : staleRetentionMs;
        const ttlMs = (entry.lifetimeSeconds - currentAge(entry, now())) * 1000 + retention;
        try {
          if (await store.set(key.storageKey, entry, ttlMs)) {
            counts.stores++;
            projectStats(key.projectId).stores++;
            flight?.finish(entry);
            return;
          }
        } catch (error) {
          backendFailed(error);
        }
        flight?.finish(undefined);
      },
      abort() {
        if (!settled) giveUp();
      },
    };
  }

  function lookup(plan: RequestPlan, request: CacheRequest): CacheLookup | Promise<CacheLookup> {
    const key = deriveKey({ projectId: request.projectId, method: plan.method, url: request.url, headers: request.headers, body: request.body });
    return store.getNow === undefined ? lookupStored(plan, request, key) : decide(plan, request, key, store.getNow(key.storageKey));
  }

  async function lookupStored(plan: RequestPlan, request: CacheRequest, key: CacheKey): Promise<CacheLookup> {
    let entry: CachedResponse | undefined;
    try {
      entry = await store.get(key.storageKey);
    } catch (error) {
      if (!(error instanceof CacheBackendDown)) throw error;
      backendFailed(error);
      counts.bypasses++;
      if (plan.onlyIfCached) return { kind: 'unsatisfiable', headers: forwardHeaders(key.shortKey, { fwd: 'bypass', detail: 'backend-down' }) };
      return { kind: 'forward', key, headers: missHeaders(plan, key, { fwd: 'bypass', detail: 'backend-down' }), tap: undefined };
    }
    return decide(plan, request, key, entry);
  }

  /** What to do with the stored entry (or none): serve it, forward, or wait for an identical request in flight. */
  function decide(plan: RequestPlan, request: CacheRequest, key: CacheKey, entry: CachedResponse | undefined): CacheLookup | Promise<CacheLookup> {
    let fwd: ForwardReason = 'uri-miss';
    if (entry !== undefined) {
      const served = serve(plan, request, key, entry, false);
      if (typeof served !== 'string') return served;
      fwd = served;
    }
    if (plan.onlyIfCached) {
      counts.misses++;
      return { kind: 'unsatisfiable', headers: forwardHeaders(key.shortKey, { fwd }) };
    }
    // Only a request that opted in is sure to be storable: waiting on a leader whose answer
    // the upstream may refuse to share (a plain GET) would only queue identical requests.
    if (!plan.mayUseStored || plan.optInSeconds === undefined) return forward(plan, request, key, fwd, undefined);
    const flight = coalescer.join(key.storageKey);
    if (flight.leader) return lead(plan, request, key, fwd, flight);
    return follow(plan, request, key, flight);
  }

  /** Waits for the identical request in flight, then serves its answer, or goes upstream. */
  async function follow(plan: RequestPlan, request: CacheRequest, key: CacheKey, flight: FollowerFlight): Promise<CacheLookup> {
    const shared = await flight.wait(request.cancellation?.());
    if (shared !== undefined) {
      const served = serve(plan, request, key, shared, true);
      if (typeof served !== 'string') return served;
    }
    return forward(plan, request, key, 'miss', undefined);
  }

  /**
   * The local leader of a miss. With a shared store it also takes the key's short lock; when
   * another instance holds it, it waits for that instance's entry (bounded), then goes upstream.
   */
  function lead(plan: RequestPlan, request: CacheRequest, key: CacheKey, fwd: ForwardReason, flight: LeaderFlight): CacheLookup | Promise<CacheLookup> {
    return store.tryLock === undefined ? forward(plan, request, key, fwd, flight) : leadAcrossInstances(plan, request, key, fwd, flight, store.tryLock.bind(store));
  }

  async function leadAcrossInstances(
    plan: RequestPlan,
    request: CacheRequest,
    key: CacheKey,
    fwd: ForwardReason,
    flight: LeaderFlight,
    tryLock: NonNullable<CacheStore['tryLock']>,
  ): Promise<CacheLookup> {
    let locked: boolean;
    try {
      locked = await tryLock(key.storageKey, coalesceWaitMs);
    } catch (error) {
      backendFailed(error);
      locked = true; // nothing to coordinate with: go upstream (the store write will be tried anyway)
    }
    if (locked) {
      const unlock = store.unlock?.bind(store);
      return forward(plan, request, key, fwd, {
        leader: true,
        finish(result) {
          flight.finish(result);
          unlock?.(key.storageKey).catch(backendFailed);
        },
      });
    }
    const shared = await pollStore(key.storageKey, request.cancellation?.());
    if (shared !== undefined) {
      const served = serve(plan, request, key, shared, true);
      if (typeof served !== 'string') {
        flight.finish(shared);
        return served;
      }
    }
    return forward(plan, request, key, 'miss', flight);
  }

  /** Reads the store with growing pauses until an entry appears, the wait bound passes or the client leaves. */
  async function pollStore(storageKey: string, signal: AbortSignal | undefined): Promise<CachedResponse | undefined> {
    const deadline = now() + coalesceWaitMs;
    let pauseMs = 10;
    while (now() < deadline && signal?.aborted !== true) {
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, 200);
      try {
        const entry = await store.get(storageKey);
        if (entry !== undefined) return entry;
      } catch (error) {
        backendFailed(error);
        return undefined;
      }
    }
    return undefined;
  }

  return {
    plan(method, headers) {
      const plan = planRequest(method, headers);
      if (!plan.cacheable) counts.bypasses++;
      return plan;
    },
    lookup,
    purge: (filter) => store.purge(filter),
    backend: store.name,
    counters: () => ({ ...counts, coalescedWaits: coalescer.waits }),
    async stats() {
      const stored = await store.stats();
      return {
        backend: store.name,
        ...stored,
        ...counts,
        coalescedWaits: coalescer.waits,
        byProject: Object.fromEntries([...byProject].map(([id, stats]) => [id, { ...stats }])),
      };
    },
    close: () => store.close(),
  };
}

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]?.toLowerCase() === name) return headers[i + 1];
  return undefined;
}
