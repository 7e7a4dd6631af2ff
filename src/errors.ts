/**
 * The error catalogue: every error the proxy, the management API and the CLI can report,
 * keyed by the wire code clients see. One row gives the HTTP status, the OpenAI-style error
 * type, the default message (reason and fix) and the CLI exit code.
 */

interface ErrorSpec {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /** Exit code the CLI uses when this error ends a command (see src/cli/exit-codes.ts). */
  readonly exitCode: 1 | 2 | 3;
}

const AUTH = 'authentication_error';
const REQUEST = 'invalid_request_error';
const PERMISSION = 'permission_error';
const UPSTREAM = 'upstream_error';
const SERVER = 'server_error';

export const ERROR_CATALOGUE = {
  // Withering-token authentication on /v1/*
  invalid_token: {
    status: 401,
    type: AUTH,
    message: 'Missing or malformed token: send "Authorization: Bearer sk-…" with a withering token issued by llm-proxy',
    exitCode: 3,
  },
  token_not_found: {
    status: 401,
    type: AUTH,
    message: 'Token not found: it was never issued by this proxy or its project was deleted; ask for a new token',
    exitCode: 3,
  },
  token_inactive: {
    status: 401,
    type: AUTH,
    message: 'Token has been revoked: ask the project owner for a new token',
    exitCode: 3,
  },
  token_expired: {
    status: 401,
    type: AUTH,
    message: 'Token has expired: ask the project owner for a new token',
    exitCode: 3,
  },
  token_quota_exhausted: {
    status: 429,
    type: 'insufficient_quota',
    message: 'Token has used all of its allowed requests (max_requests): retrying will not help; ask for a new token or a higher limit',
    exitCode: 1,
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    message: 'Too many requests: the requests_per_minute limit of this token or its project is reached; retry after the time given in Retry-After',
    exitCode: 1,
  },
  project_inactive: {
    status: 403,
    type: PERMISSION,
    message: "Project is inactive: its tokens are refused until it is reactivated",
    exitCode: 1,
  },
  // Request policy (api_providers.yaml)
  method_not_allowed: {
    status: 405,
    type: REQUEST,
    message: 'Method not allowed for this API: see allowed_methods in the provider configuration',
    exitCode: 1,
  },
  endpoint_not_found: {
    status: 404,
    type: REQUEST,
    message: 'Endpoint not allowed by this proxy: see allowed_endpoints in the provider configuration',
    exitCode: 1,
  },
  invalid_path: {
    status: 400,
    type: REQUEST,
    message:
      'Request path is not normalised (empty, "." or ".." segments, also with ";" parameters, backslashes and encoded "/", "\\" or "." are refused, even when double-encoded)',
    exitCode: 1,
  },
  param_not_allowed: {
    status: 400,
    type: REQUEST,
    message: 'A request parameter has a value this proxy does not allow',
    exitCode: 1,
  },
  origin_required: {
    status: 400,
    type: REQUEST,
    message: 'Origin header required by this proxy',
    exitCode: 1,
  },
  origin_not_allowed: {
    status: 403,
    type: PERMISSION,
    message: 'Origin not allowed: add it to allowed_origins in the provider configuration',
    exitCode: 1,
  },
  request_too_large: {
    status: 413,
    type: REQUEST,
    message: 'Request body is larger than MAX_REQUEST_SIZE',
    exitCode: 1,
  },
  body_timeout: {
    status: 408,
    type: REQUEST,
    message: 'The request body arrived too slowly (CLIENT_BODY_TIMEOUT): send it at once',
    exitCode: 1,
  },
  invalid_body: {
    status: 400,
    type: REQUEST,
    message: 'This proxy checks request parameters (param_whitelist): send a JSON object with Content-Type: application/json',
    exitCode: 1,
  },
  // Upstream
  upstream_unreachable: {
    status: 502,
    type: UPSTREAM,
    message: 'Could not reach the upstream API: check OPENAI_API_URL / base_url and the network',
    exitCode: 2,
  },
  upstream_busy: {
    status: 503,
    type: UPSTREAM,
    message: 'Too many requests waiting for the upstream API (UPSTREAM_MAX_CONNECTIONS, UPSTREAM_MAX_QUEUE): retry shortly',
    exitCode: 2,
  },
  timeout: {
    status: 504,
    type: UPSTREAM,
    message: 'Upstream API did not answer in time (REQUEST_TIMEOUT)',
    exitCode: 2,
  },
  cache_miss: {
    status: 504,
    type: REQUEST,
    message: 'Not in the cache: the request said Cache-Control: only-if-cached and no stored answer fits it',
    exitCode: 1,
  },
  canceled: {
    status: 408,
    type: REQUEST,
    message: 'Request canceled by the client',
    exitCode: 1,
  },
  upstream_auth_error: {
    status: 503,
    type: SERVER,
    message: "Could not load the project's upstream API key: check ENCRYPTION_KEY",
    exitCode: 1,
  },
  // HTTP itself: node's parser or Fastify refused the request before any route saw it
  malformed_request: {
    status: 400,
    type: REQUEST,
    message: 'Malformed HTTP request: the request line or a header could not be parsed',
    exitCode: 1,
  },
  request_timeout: {
    status: 408,
    type: REQUEST,
    message: 'The request did not arrive in time (headers or body sent too slowly)',
    exitCode: 1,
  },
  uri_too_long: {
    status: 414,
    type: REQUEST,
    message: 'Request URI is too long',
    exitCode: 1,
  },
  unsupported_media_type: {
    status: 415,
    type: REQUEST,
    message: 'Unsupported Content-Type: send application/json',
    exitCode: 1,
  },
  headers_too_large: {
    status: 431,
    type: REQUEST,
    message: 'Request headers are too large',
    exitCode: 1,
  },
  // Management API
  invalid_management_token: {
    status: 401,
    type: AUTH,
    message: 'Missing or wrong management token: send "Authorization: Bearer <MANAGEMENT_TOKEN>"',
    exitCode: 3,
  },
  invalid_metrics_token: {
    status: 401,
    type: AUTH,
    message: 'Missing or wrong metrics token: send "Authorization: Bearer <METRICS_TOKEN>" (in Prometheus: authorization.credentials of the scrape job)',
    exitCode: 3,
  },
  invalid_request: {
    status: 400,
    type: REQUEST,
    message: 'Invalid request',
    exitCode: 1,
  },
  project_not_found: {
    status: 404,
    type: REQUEST,
    message: 'Project not found',
    exitCode: 1,
  },
  project_name_taken: {
    status: 409,
    type: REQUEST,
    message: 'A project with this name already exists',
    exitCode: 1,
  },
  cache_disabled: {
    status: 409,
    type: REQUEST,
    message: 'The response cache is disabled (HTTP_CACHE_ENABLED=false): there is nothing to purge or count',
    exitCode: 1,
  },
  audit_disabled: {
    status: 409,
    type: REQUEST,
    message:
      'The audit log is not kept in the database (AUDIT_ENABLED=false or AUDIT_STORE_IN_DB=false): read AUDIT_LOG_FILE instead, or restart the server with both true (the defaults)',
    exitCode: 1,
  },
  not_found: {
    status: 404,
    type: REQUEST,
    message: 'Not found',
    exitCode: 1,
  },
  service_unavailable: {
    status: 503,
    type: SERVER,
    message: 'Service temporarily unavailable: the database could not be reached',
    exitCode: 1,
  },
  coordination_unavailable: {
    status: 503,
    type: SERVER,
    message:
      'Service temporarily unavailable: the shared Redis that counts max_requests and rate limits across instances cannot be reached; tokens without limits still work, retry shortly',
    exitCode: 1,
  },
  internal_error: {
    status: 500,
    type: SERVER,
    message: 'Internal server error',
    exitCode: 1,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

const BRAND = Symbol.for('llm-proxy.ProxyError');

/** The one error type of llm-proxy: built from a catalogue code. */
export class ProxyError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly type: string;
  readonly exitCode: 1 | 2 | 3;
  /** More response headers for the refusal, as a flat [name, value, …] list (Retry-After of a rate limit). */
  readonly headers: readonly string[] | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; headers?: readonly string[] }) {
    const spec: ErrorSpec = ERROR_CATALOGUE[code];
    super(message ?? spec.message, options);
    this.name = 'ProxyError';
    this.code = code;
    this.statusCode = spec.status;
    this.type = spec.type;
    this.exitCode = spec.exitCode;
    this.headers = options?.headers;
  }
}

export function isProxyError(value: unknown): value is ProxyError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `code` is a code of the catalogue (for codes read off the wire). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}

/** The OpenAI-style error body every HTTP surface of llm-proxy answers with. */
export function renderErrorBody(code: ErrorCode, message?: string): string {
  const spec: ErrorSpec = ERROR_CATALOGUE[code];
  return JSON.stringify({ error: { message: message ?? spec.message, type: spec.type, code } });
}

const renderedDefaults = new Map<ErrorCode, string>();

/** The default body of `code`, rendered once and reused (hot-path rejections). */
export function defaultErrorBody(code: ErrorCode): string {
  let body = renderedDefaults.get(code);
  if (body === undefined) {
    body = renderErrorBody(code);
    renderedDefaults.set(code, body);
  }
  return body;
}
