import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the legacy Proxy-Connection: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Client headers the proxy replaces or must not pass on (identity of the client, its token). */
const DROPPED_REQUEST_HEADERS = new Set([
  'host',
  'authorization',
  'x-forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'cf-connecting-ip',
  'cf-ipcountry',
  'x-original-forwarded-for',
  // The proxy has answered Expect: 100-continue to the client itself.
  'expect',
]);

/** Names listed in a Connection header (they are hop-by-hop too). */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (value === undefined || value === '' || value === 'keep-alive' || value === 'close') return undefined;
  const names = new Set<string>();
  for (const name of value.split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed !== '' && trimmed !== 'close' && trimmed !== 'keep-alive') names.add(trimmed);
  }
  return names.size === 0 ? undefined : names;
}

/**
 * The headers sent upstream, as a flat [name, value, …] list built from the client's raw headers:
 * hop-by-hop and client-identity headers removed, Host and Authorization set by the proxy.
 * A chunked request body stays chunked.
 */
export function buildUpstreamHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
  host: string,
  authorization: string,
): string[] {
  const extraHopByHop = connectionTokens(headers.connection);
  const out: string[] = ['Host', host, 'Authorization', authorization];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || DROPPED_REQUEST_HEADERS.has(lower) || extraHopByHop?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') out.push('Transfer-Encoding', 'chunked');
  return out;
}

/**
 * Upstream response headers for the client, appended to `out` as a flat list: hop-by-hop removed,
 * the upstream's own X-Request-ID kept as X-Upstream-Request-ID (ours takes its place), and its
 * CORS headers dropped when the proxy answers CORS itself (a browser refuses duplicates).
 */
export function copyResponseHeaders(rawHeaders: readonly string[], out: string[], dropCors: boolean): string[] {
  let extraHopByHop: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection') {
      extraHopByHop = connectionTokens(rawHeaders[i + 1]);
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || extraHopByHop?.has(lower)) continue;
    if (dropCors && lower.startsWith('access-control-')) continue;
    if (lower === 'x-request-id') out.push('X-Upstream-Request-ID', rawHeaders[i + 1] as string);
    else out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}
