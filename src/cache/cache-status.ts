/**
 * The cache's response headers: X-PROXY-CACHE (hit|miss, the CLI's benchmark counts hits by it),
 * X-PROXY-CACHE-KEY (the short key) and Cache-Status (RFC 9211), as flat [name, value, …] lists.
 */

export const CACHE_NAME = 'llm-proxy';

/** RFC 9211 fwd values this cache uses. */
export type ForwardReason = 'bypass' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale';

export interface HitStatus {
  /** Remaining freshness in seconds (negative when a stale answer was accepted by max-stale). */
  readonly ttlSeconds: number;
  /** Answered from another request's upstream call (request coalescing). */
  readonly collapsed: boolean;
}

export interface ForwardStatus {
  readonly fwd: ForwardReason;
  readonly fwdStatus?: number;
  readonly stored?: boolean;
  /** An sf-token saying more (backend-down, or why the answer was not stored). */
  readonly detail?: string;
}

export function renderHitStatus(status: HitStatus): string {
  return `${CACHE_NAME}; hit; ttl=${Math.floor(status.ttlSeconds)}${status.collapsed ? '; collapsed' : ''}`;
}

export function renderForwardStatus(status: ForwardStatus): string {
  let text = `${CACHE_NAME}; fwd=${status.fwd}`;
  if (status.fwdStatus !== undefined) text += `; fwd-status=${status.fwdStatus}`;
  if (status.stored === true) text += '; stored';
  if (status.detail !== undefined) text += `; detail=${status.detail}`;
  return text;
}

export function hitHeaders(shortKey: string, ageSeconds: number, status: HitStatus): string[] {
  return ['Age', String(Math.floor(ageSeconds)), 'X-PROXY-CACHE', 'hit', 'X-PROXY-CACHE-KEY', shortKey, 'Cache-Status', renderHitStatus(status)];
}

export function forwardHeaders(shortKey: string, status: ForwardStatus): string[] {
  return ['X-PROXY-CACHE', 'miss', 'X-PROXY-CACHE-KEY', shortKey, 'Cache-Status', renderForwardStatus(status)];
}
