/** CORS for browser clients of /v1/*. The origin itself is checked by the request policy. */

/** Response headers a browser script may read. */
const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Upstream-Request-ID',
  'X-UPSTREAM-REQUEST-START',
  'X-UPSTREAM-REQUEST-STOP',
  'X-REQUEST-START',
].join(', ');

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Requested-With';

/** Appends the CORS headers of an actual (non-preflight) response from `origin`. */
export function appendCorsHeaders(out: string[], origin: string): void {
  out.push('Access-Control-Allow-Origin', origin, 'Access-Control-Expose-Headers', EXPOSED_HEADERS, 'Vary', 'Origin');
}

/** Headers of a preflight answer. */
export function preflightHeaders(origin: string, requestedHeaders: string | undefined): string[] {
  return [
    'Access-Control-Allow-Origin',
    origin,
    'Access-Control-Allow-Methods',
    ALLOWED_METHODS,
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
