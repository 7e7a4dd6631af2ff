/** CORS for browser clients of /v1/*. The origin itself is checked by the request policy. */

/**
 * Response headers a browser script may read: the proxy's own, and the upstream's that clients
 * act on (retry timing, rate-limit budgets, processing time), so an SDK in a page backs off as
 * it would on a server.
 */
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Upstream-Request-ID',
  'X-UPSTREAM-REQUEST-START',
  'X-UPSTREAM-REQUEST-STOP',
  'X-REQUEST-START',
  'X-PROXY-CACHE',
  'X-PROXY-CACHE-KEY',
  'Cache-Status',
  'Age',
  'Retry-After',
  'Retry-After-Ms',
  'X-Should-Retry',
  'X-RateLimit-Limit-Requests',
  'X-RateLimit-Limit-Tokens',
  'X-RateLimit-Remaining-Requests',
  'X-RateLimit-Remaining-Tokens',
  'X-RateLimit-Reset-Requests',
  'X-RateLimit-Reset-Tokens',
  'OpenAI-Processing-Ms',
  'OpenAI-Version',
].join(', ');

const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Requested-With';

/** Appends the CORS headers of an actual (non-preflight) response from `origin`. */
export function appendCorsHeaders(out: string[], origin: string): void {
  out.push('Access-Control-Allow-Origin', origin, 'Access-Control-Expose-Headers', EXPOSED_HEADERS, 'Vary', 'Origin');
}

/** The Access-Control-Allow-Methods value for a provider: what it allows, and OPTIONS. */
export function allowedMethodsHeader(allowedMethods: readonly string[]): string {
  return [...new Set([...allowedMethods, 'OPTIONS'])].join(', ');
}

/** Headers of a preflight answer; `allowedMethods` from allowedMethodsHeader(). */
export function preflightHeaders(origin: string, requestedHeaders: string | undefined, allowedMethods: string): string[] {
  return [
    'Access-Control-Allow-Origin',
    origin,
    'Access-Control-Allow-Methods',
    allowedMethods,
    'Access-Control-Allow-Headers',
    requestedHeaders && /^[\w\s,-]+$/.test(requestedHeaders) ? requestedHeaders : DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Expose-Headers',
    EXPOSED_HEADERS,
    'Access-Control-Max-Age',
    '86400',
    'Vary',
    'Origin',
  ];
}
