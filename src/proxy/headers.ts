import type { IncomingHttpHeaders } from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the legacy Proxy-Connection: never forwarded. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
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
  // The account the project's key bills to is the project's choice (see Admission), never the client's.
  'openai-organization',
  'openai-project',
  // Who the client is and how it reached us: proxies and CDNs in front of the proxy add these.
  'forwarded',
  'via',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-forwarded',
  'forwarded-for',
  'x-original-forwarded-for',
  'x-real-ip',
  'x-client-ip',
  'client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'fastly-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'cf-ipcountry',
  'cf-ray',
  'cf-visitor',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-proxyuser-ip',
  'x-envoy-external-address',
  'x-azure-clientip',
  'x-azure-socketip',
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
 * The headers sent upstream, as a flat [name, value, …] list built from node's parsed request
 * headers (names already lower-case): hop-by-hop and client-identity headers removed, Host and
 * Authorization set by the proxy, then `extra` (a flat [name, value, …] list: the project's own
 * upstream headers, see Admission.upstreamHeaders). A chunked request body stays chunked,
 * unless `bodyLength` says the body is held in memory: then it is sent with that Content-Length.
 */
export function buildUpstreamHeaders(
  headers: IncomingHttpHeaders,
  host: string,
  authorization: string,
  extra?: readonly string[],
  bodyLength?: number,
): string[] {
  const extraHopByHop = connectionTokens(headers.connection);
  const out: string[] = ['host', host, 'authorization', authorization];
  if (extra !== undefined) for (const item of extra) out.push(item);
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || DROPPED_REQUEST_HEADERS.has(name) || extraHopByHop?.has(name)) continue;
    if (bodyLength !== undefined && name === 'content-length') continue;
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const item of value) out.push(name, item);
  }
  if (bodyLength !== undefined) out.push('content-length', String(bodyLength));
  else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') out.push('transfer-encoding', 'chunked');
  return out;
}

/**
 * Upstream response headers for the client, appended to `out` as a flat list: hop-by-hop removed,
 * the upstream's own X-Request-ID kept as X-Upstream-Request-ID (ours takes its place), and its
 * CORS headers dropped when the proxy answers CORS itself (a browser refuses duplicates). Reads
 * node's parsed headers object, which node's agent builds for every response anyway.
 */
export function copyResponseHeaders(headers: IncomingHttpHeaders, out: string[], dropCors: boolean): string[] {
  const extraHopByHop = connectionTokens(headers.connection);
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || extraHopByHop?.has(name)) continue;
    if (dropCors && name.startsWith('access-control-')) continue;
    const value = headers[name];
    const outName = name === 'x-request-id' ? 'x-upstream-request-id' : name;
    if (typeof value === 'string') out.push(outName, value);
    else if (value !== undefined) for (const item of value) out.push(outName, item);
  }
  return out;
}
