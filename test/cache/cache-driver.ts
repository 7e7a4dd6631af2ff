import type { IncomingHttpHeaders } from 'node:http';
import type { CacheLookup, HttpCache } from '../../src/cache/http-cache.js';

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly chunks: readonly string[];
  /** Cut the body short (upstream error, client gone). */
  readonly abort?: boolean;
}

export interface Served {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly fromCache: boolean;
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!.toLowerCase()] = flat[i + 1]!;
  return out;
}

/** Drives the cache the way the proxy's lookup stage and response tap do; counts upstream calls. */
export function harness(cache: HttpCache, answer: (call: number) => UpstreamAnswer | Promise<UpstreamAnswer>, clock: () => number = Date.now) {
  let upstreamCalls = 0;
  async function send(method: string, headers: IncomingHttpHeaders, body?: string, projectId = 'p1', url = '/v1/chat/completions'): Promise<Served> {
    const plan = cache.plan(method, headers);
    let lookup: CacheLookup | undefined;
    if (plan.cacheable) {
      lookup = await cache.lookup(plan, { projectId, url, headers, body: body === undefined ? undefined : Buffer.from(body) });
      if (lookup.kind === 'hit') {
        return { status: lookup.status, headers: pairs(lookup.headers), body: Buffer.concat(lookup.chunks).toString(), fromCache: true };
      }
      if (lookup.kind === 'unsatisfiable') return { status: 504, headers: pairs(lookup.headers), body: '', fromCache: true };
    }
    upstreamCalls++;
    const requestTime = clock();
    const upstream = await answer(upstreamCalls);
    const tap = lookup?.kind === 'forward' ? lookup.tap : undefined;
    const cacheHeaders = tap !== undefined ? tap.begin(upstream.status, upstream.headers, { requestTime, responseTime: clock() }) : lookup?.kind === 'forward' ? lookup.headers : [];
    for (const chunk of upstream.chunks) tap?.chunk(Buffer.from(chunk));
    if (upstream.abort) tap?.abort();
    else await tap?.complete();
    return { status: upstream.status, headers: pairs(cacheHeaders), body: upstream.chunks.join(''), fromCache: false };
  }
  return { send, calls: () => upstreamCalls };
}

