import type { SessionStore } from '../admin/session-store.js';

/**
 * What a proxy instance shares with the others behind the same load balancer: the counts of
 * capped tokens, rate-limit windows, token-cache invalidations and admin UI sessions. `none` (one instance alone)
 * keeps all of it in process; `redis` shares it through Redis (redis-coordinator.ts).
 */

/** One requests_per_minute limit that applies to a request: its token's or its project's. */
export interface RateLimit {
  readonly scope: 'token' | 'project';
  readonly id: string;
  readonly perMinute: number;
}

export interface AdmissionRequest {
  readonly tokenId: string;
  /** Counted here only when the coordinator is `shared`; null = unlimited. */
  readonly maxRequests: number | null;
  readonly rateLimits: readonly RateLimit[];
  /** The token's count in the database: the starting point of a shared count seen for the first time. */
  readonly seedCount: () => Promise<number>;
}

export type AdmissionVerdict =
  | { readonly outcome: 'admitted' }
  /** max_requests used up. */
  | { readonly outcome: 'exhausted' }
  /** A requests_per_minute window is full until `retryAfterMs` from now. */
  | { readonly outcome: 'rate_limited'; readonly limit: RateLimit; readonly retryAfterMs: number };

/** A change that makes cached credentials stale. */
export type Invalidation =
  | { readonly kind: 'token'; readonly id: string }
  | { readonly kind: 'project'; readonly id: string }
  /** A token was created: unknown tokens remembered may now exist. */
  | { readonly kind: 'token-created' }
  /** Something changed that this instance cannot name (a lost message): drop everything. */
  | { readonly kind: 'all' };

export interface Coordinator {
  /** True when max_requests is counted by `admit` (Redis); false: by the database's conditional update. */
  readonly countsMaxRequests: boolean;
  /**
   * Checks the rate limits (and, when `countsMaxRequests`, max_requests) of one request and counts
   * it, in one step. Rejects with CoordinationUnavailableError when the shared state is out of reach.
   */
  admit(request: AdmissionRequest): AdmissionVerdict | Promise<AdmissionVerdict>;
  /** Gives back one request counted by `admit` (a capped token's; rate windows keep theirs). */
  refund(tokenId: string): Promise<void>;
  /** Tells the other instances (this one has already applied it). */
  announce(invalidation: Invalidation): void;
  /** Who applies the other instances' invalidations here (set once, by the server). */
  onInvalidation(listener: (invalidation: Invalidation) => void): void;
  /** Admin UI sessions every instance sees (Redis), or undefined: this process keeps its own. */
  sharedSessions(ttlMs: number): SessionStore | undefined;
  close(): Promise<void>;
}

/** The shared state (Redis) cannot be reached: capped and rate-limited requests fail closed. */
export class CoordinationUnavailableError extends Error {
  override readonly name = 'CoordinationUnavailableError';
}

export const MINUTE_MS = 60_000;
