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

/** `.` or `..`, alone or with `;` parameters (`..;x`): servers such as Tomcat treat both as a dot segment. */
function isDotSegment(segment: string): boolean {
  if (segment === '.' || segment === '..') return true;
  return segment.startsWith('.;') || segment.startsWith('..;');
}

const PERCENT_TRIPLET = /%([0-9a-fA-F]{2})/g;

/** One round of percent-decoding, byte by byte (invalid triplets and UTF-8 left as they are). */
function percentDecodeOnce(segment: string): string {
  return segment.replace(PERCENT_TRIPLET, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A segment that stays itself through any number of decodings: not empty, not a dot segment, no
 * slash or backslash, no percent-encoded `/`, `\` or `.`, and nothing that decodes into one of
 * these (`%252e`, `..%3b`): an upstream or a proxy behind it may decode more than once.
 */
function isSafeSegment(segment: string): boolean {
  if (segment.length === 0 || isDotSegment(segment) || segment.includes('/') || segment.includes('\\')) return false;
  if (!segment.includes('%')) return true;
  const lower = segment.toLowerCase();
  if (lower.includes('%2f') || lower.includes('%5c') || lower.includes('%2e')) return false;
  const decoded = percentDecodeOnce(segment);
  // Every decoding round is shorter, so this ends.
  return decoded === segment || isSafeSegment(decoded);
}

/**
 * True for a path that means what it says: absolute, every segment safe (see isSafeSegment).
 * Only segments starting with `.` or holding a `%` need a closer look; the rest cost a scan.
 */
export function isNormalisedPath(path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */ || path.includes('\\')) return false;
  const hasPercent = path.includes('%');
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    if (end === start) return false;
    const needsCheck = hasPercent || path.charCodeAt(start) === 46; /* . */
    if (needsCheck && !isSafeSegment(path.slice(start, end))) return false;
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
