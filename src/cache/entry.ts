import type { IncomingHttpHeaders } from 'node:http';
import type { Freshness } from './policy.js';
import { HOP_BY_HOP } from '../proxy/headers.js';

/** A stored answer: what a hit replays, and what the policy needs to judge it. */
export interface CachedResponse extends Freshness {
  readonly status: number;
  /** Flat [name, value, …] list as the client gets it (see storedHeaders). */
  readonly headers: readonly string[];
  /** The body as it arrived, chunk by chunk: an event stream replays with the same events. */
  readonly chunks: readonly Buffer[];
  /** Milliseconds between each chunk and the one before (the first: since the headers). */
  readonly gapsMs: readonly number[];
  /** Lower-case request header names the answer varies on, and the values it was stored for. */
  readonly vary: readonly string[];
  readonly varyValues: readonly string[];
}

/** Per-connection and per-client headers a stored answer never replays. */
const NOT_STORED = new Set([
  ...HOP_BY_HOP,
  // One client's cookies are never handed to another; Age is recomputed on every hit.
  'set-cookie',
  'age',
]);

/**
 * The upstream headers kept with an entry, as a flat list: hop-by-hop (and those named in
 * Connection), Set-Cookie and Age removed; the upstream's X-Request-ID kept as
 * X-Upstream-Request-ID, as the proxy passes it on a forwarded answer.
 */
export function storedHeaders(headers: IncomingHttpHeaders): string[] {
  const named = headers.connection?.toLowerCase().split(',').map((name) => name.trim()) ?? [];
  const out: string[] = [];
  for (const name in headers) {
    if (NOT_STORED.has(name) || named.includes(name)) continue;
    const value = headers[name];
    const outName = name === 'x-request-id' ? 'x-upstream-request-id' : name;
    if (typeof value === 'string') out.push(outName, value);
    else if (value !== undefined) for (const item of value) out.push(outName, item);
  }
  return out;
}

/** Fixed cost counted per entry on top of its bytes (object, key, bookkeeping). */
const ENTRY_OVERHEAD_BYTES = 512;

/** Bytes an entry is charged for in a size-bounded store. */
export function entryBytes(entry: CachedResponse): number {
  let bytes = ENTRY_OVERHEAD_BYTES;
  for (const chunk of entry.chunks) bytes += chunk.length + 16;
  for (const text of entry.headers) bytes += text.length;
  return bytes;
}

interface EntryMeta {
  readonly s: number;
  readonly h: readonly string[];
  readonly c: readonly number[];
  readonly g: readonly number[];
  readonly t: number;
  readonly l: number;
  readonly a: number;
  readonly m: boolean;
  readonly v: readonly string[];
  readonly w: readonly string[];
}

/** Binary form for a shared store: 4-byte length, JSON metadata, then the body bytes as they are. */
export function encodeEntry(entry: CachedResponse): Buffer {
  const meta: EntryMeta = {
    s: entry.status,
    h: entry.headers,
    c: entry.chunks.map((chunk) => chunk.length),
    g: entry.gapsMs,
    t: entry.responseTime,
    l: entry.lifetimeSeconds,
    a: entry.initialAgeSeconds,
    m: entry.mustRevalidate,
    v: entry.vary,
    w: entry.varyValues,
  };
  const metaBytes = Buffer.from(JSON.stringify(meta));
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(metaBytes.length);
  return Buffer.concat([prefix, metaBytes, ...entry.chunks]);
}

/** Reads encodeEntry's form back; undefined when the bytes are not a whole entry. */
export function decodeEntry(data: Buffer): CachedResponse | undefined {
  try {
    const metaLength = data.readUInt32BE(0);
    const meta = JSON.parse(data.subarray(4, 4 + metaLength).toString('utf8')) as EntryMeta;
    const chunks: Buffer[] = [];
    let at = 4 + metaLength;
    for (const length of meta.c) {
      chunks.push(data.subarray(at, at + length));
      at += length;
    }
    if (at !== data.length) return undefined;
    return {
      status: meta.s,
      headers: meta.h,
      chunks,
      gapsMs: meta.g,
      responseTime: meta.t,
      lifetimeSeconds: meta.l,
      initialAgeSeconds: meta.a,
      mustRevalidate: meta.m,
      vary: meta.v,
      varyValues: meta.w,
    };
  } catch {
    return undefined;
  }
}
