import type { ErrorCode } from '../errors.js';
import type { Provider } from './provider-config.js';

/**
 * Decides, before authentication and without touching the upstream, whether a request may pass:
 * method, normalised path, allowed endpoint (whole path segments) and origin.
 */
export interface RequestPolicy {
  /** The refusal code, or undefined when the request may go on. */
  check(method: string, url: string, origin: string | undefined): ErrorCode | undefined;
  isOriginAllowed(origin: string): boolean;
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * True for a path that means what it says: absolute, no empty, `.` or `..` segments, no
 * backslashes and no percent-encoded `/`, `\` or `.` (which an upstream could decode into one).
 */
export function isNormalisedPath(path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */ || path.includes('\\')) return false;
  if (path.includes('%')) {
    const lower = path.toLowerCase();
    if (lower.includes('%2f') || lower.includes('%5c') || lower.includes('%2e')) return false;
  }
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const length = end - start;
    if (length === 0) return false;
    if (length <= 2 && (path.slice(start, end) === '.' || path.slice(start, end) === '..')) return false;
    start = end + 1;
  }
  return true;
}

export function createRequestPolicy(provider: Provider): RequestPolicy {
  const methods = new Set(provider.allowedMethods);
  const endpoints = new Set(provider.allowedEndpoints);
  const origins = new Set(provider.allowedOrigins);

  function isAllowedEndpoint(path: string): boolean {
    // The path itself or one of its parents, cut at segment boundaries: /v1/models/x matches
    // /v1/models, /v1/modelsX does not.
    let candidate = path;
    for (;;) {
      if (endpoints.has(candidate)) return true;
      const cut = candidate.lastIndexOf('/');
      if (cut <= 0) return false;
      candidate = candidate.slice(0, cut);
    }
  }

  const isOriginAllowed = (origin: string): boolean => origins.size === 0 || origins.has(origin);

  return {
    check(method, url, origin) {
      if (!methods.has(method)) return 'method_not_allowed';
      const path = pathOf(url);
      if (!isNormalisedPath(path)) return 'invalid_path';
      if (!isAllowedEndpoint(path)) return 'endpoint_not_found';
      if (origin === undefined) return provider.requireOrigin ? 'origin_required' : undefined;
      return isOriginAllowed(origin) ? undefined : 'origin_not_allowed';
    },
    isOriginAllowed,
  };
}
