import type { IncomingHttpHeaders } from 'node:http';
import { replayBody, type CacheHit, type CacheLookup, type CacheTap, type HttpCache, type RequestPlan } from '../cache/index.js';
import { ProxyError } from '../errors.js';
import type { UsageWriter } from '../store/index.js';
import { appendCorsHeaders } from '../proxy/cors.js';
import type { Exchange, ProxyStage, TokenAuthenticator } from '../proxy/index.js';

export interface CacheStageOptions {
  readonly cache: HttpCache;
  /** HTTP_CACHE_STREAM_REPLAY: a stored event stream is replayed with its gaps (capped) or at once. */
  readonly streamReplay: 'paced' | 'fast';
  /** Counts a hit as a request of its token (max_requests caps cached answers too, exactly). */
  readonly auth: Pick<TokenAuthenticator, 'consume'>;
  readonly usage: Pick<UsageWriter, 'recordCacheHit'>;
  readonly now?: () => number;
}

/** Longest pause kept between two events of a paced replay. */
const MAX_REPLAY_GAP_MS = 250;

/** The stored headers a hit sends: the upstream's CORS headers give way to the proxy's own. */
function hitHeaders(hit: CacheHit, exchange: Exchange): string[] {
  const out: string[] = [];
  const withCors = exchange.origin !== undefined;
  for (let i = 0; i < hit.headers.length; i += 2) {
    const name = hit.headers[i] as string;
    if (withCors && name.toLowerCase().startsWith('access-control-')) continue;
    out.push(name, hit.headers[i + 1] as string);
  }
  out.push('X-Request-ID', exchange.requestId);
  if (exchange.origin !== undefined) appendCorsHeaders(out, exchange.origin);
  return out;
}

/**
 * The HTTP response cache in the data path (src/cache holds the rules). Before the upstream: a
 * cacheable request is looked up (after admission, so a refused token never sees an entry); a
 * hit is counted against its token and replayed, and nothing goes upstream. A miss gets the
 * cache headers and a response tap that stores the answer when it is storable and complete.
 * Requests the cache leaves alone (the default POST without opt-in) cost one header parse and
 * get no cache headers.
 */
export function cacheStage(options: CacheStageOptions): ProxyStage {
  const { cache, auth, usage } = options;
  const now = options.now ?? Date.now;
  const PLAN = Symbol('cache plan');
  const TAP = Symbol('cache tap');

  function planOf(exchange: Exchange) {
    const known = exchange.slot<RequestPlan>(PLAN);
    if (known !== undefined) return known;
    const plan = cache.plan(exchange.method, exchange.req.headers);
    if (plan.cacheable) exchange.setSlot(PLAN, plan);
    return plan;
  }

  /** Counts the hit against its token and replays it; synchronous unless the token is capped (a counted admission). */
  function serveHit(exchange: Exchange, hit: CacheHit): true | Promise<true> {
    const admission = exchange.admission;
    if (admission === undefined) throw new ProxyError('internal_error');
    const counting = auth.consume(admission);
    if (counting === undefined) return replayHit(exchange, admission.tokenId, hit);
    return counting.then(() => replayHit(exchange, admission.tokenId, hit));
  }

  function replayHit(exchange: Exchange, tokenId: string, hit: CacheHit): true {
    exchange.consumed = true;
    usage.recordCacheHit(tokenId, now());
    exchange.cacheStatus = 'hit';
    const { res } = exchange;
    if (res.destroyed) return true;
    res.writeHead(hit.status, hitHeaders(hit, exchange));
    if (exchange.method === 'HEAD') res.end();
    else void replayBody(res, hit.chunks, hit.gapsMs, { mode: hit.eventStream ? options.streamReplay : 'fast', maxGapMs: MAX_REPLAY_GAP_MS });
    return true;
  }

  function tapFor(exchange: Exchange, tap: CacheTap): void {
    exchange.setSlot(TAP, tap);
    exchange.addTap({
      afterTransform: true, // what the client got is what a hit replays
      headers(status: number, headers: IncomingHttpHeaders) {
        // Taps run before the answer is built: the client learns whether this one is being stored.
        addHeaders(exchange, tap.begin(status, headers, { requestTime: exchange.sentMicros / 1000, responseTime: exchange.receivedMicros / 1000 }));
      },
      chunk: (chunk) => tap.chunk(chunk),
      end(complete) {
        if (complete) void tap.complete();
        else tap.abort();
      },
    });
  }

  /**
   * Looks the request up: a hit is answered here (true); a miss goes upstream with a tap. From the
   * in-memory store, without a promise unless the request waits for an identical one in flight.
   */
  function lookUp(exchange: Exchange, plan: RequestPlan): boolean | Promise<boolean> {
    const admission = exchange.admission;
    if (admission === undefined) return false;
    // Ends a coalescing wait when the client leaves; made only for a wait, listened for until the lookup is over.
    let controller: AbortController | undefined;
    const abortLookup = () => controller?.abort();
    const cancellation = (): AbortSignal => {
      if (controller === undefined) {
        controller = new AbortController();
        if (exchange.res.destroyed) controller.abort();
        else exchange.res.once('close', abortLookup);
      }
      return controller.signal;
    };
    const lookedUp = () => {
      if (controller !== undefined) exchange.res.removeListener('close', abortLookup);
    };
    const lookup = cache.lookup(plan, { projectId: admission.projectId, url: exchange.url, headers: exchange.req.headers, body: exchange.requestBody, cancellation });
    if (!(lookup instanceof Promise)) {
      lookedUp();
      return answer(exchange, lookup);
    }
    return lookup.finally(lookedUp).then((found) => answer(exchange, found));
  }

  function answer(exchange: Exchange, lookup: CacheLookup): boolean | Promise<boolean> {
    if (lookup.kind === 'hit') return serveHit(exchange, lookup);
    exchange.cacheStatus = 'miss';
    if (lookup.kind === 'unsatisfiable') throw new ProxyError('cache_miss');
    if (lookup.tap !== undefined) tapFor(exchange, lookup.tap);
    else addHeaders(exchange, lookup.headers);
    return false;
  }

  return {
    name: 'cache',
    needsBody(exchange) {
      const plan = planOf(exchange);
      return plan.cacheable && plan.method === 'POST';
    },
    beforeUpstream(exchange) {
      const plan = planOf(exchange);
      if (plan.cacheable) return lookUp(exchange, plan);
      if (plan.onlyIfCached) throw new ProxyError('cache_miss');
      exchange.cacheStatus = 'bypass';
      return false;
    },
    complete(exchange) {
      // Refused, upstream unreachable, client gone: nothing half-done is kept, and requests
      // waiting for this one go upstream themselves. A normal end is the tap's to report.
      if (exchange.aborted || exchange.errorCode !== null) exchange.slot<CacheTap>(TAP)?.abort();
    },
  };
}

function addHeaders(exchange: Exchange, headers: readonly string[]): void {
  for (let i = 0; i < headers.length; i += 2) exchange.addResponseHeader(headers[i] as string, headers[i + 1] as string);
}
