import { ProxyError } from '../errors.js';
import { hashToken, isWellFormedToken, type ApiKeyCipher } from '../security/index.js';
import { consumeLimitedRequest, findCredential, releaseLimitedRequest, type Database, type UsageWriter } from '../store/index.js';

/** What an admitted request carries on: whose it is and the upstream credential to send. */
export interface Admission {
  readonly tokenId: string;
  readonly projectId: string;
  /** `Bearer <project API key>`. */
  readonly upstreamAuthorization: string;
  /** Null for an unlimited token. */
  readonly maxRequests: number | null;
}

/**
 * Admits or refuses requests by withering token. Token + project lookups go through an
 * in-process cache (short TTL, explicit invalidation from the management API, concurrent misses
 * share one query), so the steady state costs no database round trip — except for tokens with
 * max_requests, which are counted exactly by one conditional UPDATE per request.
 */
export interface TokenAuthenticator {
  /**
   * The synchronous fast path of the steady state: a cached, valid token's admission, not yet
   * counted; undefined when `authenticate` must decide.
   */
  authenticateCached(authorizationHeader: string | undefined): Admission | undefined;
  /** Checks a token without counting it: resolves with its admission or rejects with the refusal. */
  authenticate(authorizationHeader: string | undefined): Promise<Admission>;
  /**
   * Counts one request of an authenticated token, right before it goes upstream: a token with
   * max_requests by one conditional update (rejects when it is used up, or revoked meanwhile);
   * an unlimited one in memory, written behind (then it returns undefined: nothing to wait for).
   */
  consume(admission: Admission): Promise<void> | undefined;
  /** Gives back a consumed request the proxy refused after all (a body that outgrew the limit). */
  refund(admission: Admission): Promise<void>;
  /** authenticateCached + consume for unlimited tokens: the admission of the fast path, counted. */
  admitCached(authorizationHeader: string | undefined): Admission | undefined;
  /** authenticate + consume. */
  admit(authorizationHeader: string | undefined): Promise<Admission>;
  invalidateToken(tokenId: string): void;
  invalidateProject(projectId: string): void;
  clear(): void;
}

interface CachedCredential extends Admission {
  readonly isActive: boolean;
  readonly expiresAtMs: number | null;
  readonly maxRequests: number | null;
  readonly isProjectActive: boolean;
  /** False when the project's stored key could not be decrypted. */
  readonly hasUpstreamKey: boolean;
  readonly cachedUntilMs: number;
  /** The Authorization header it was loaded for (the cache key). */
  readonly header: string;
}

export interface TokenAuthenticatorOptions {
  readonly database: Database;
  readonly cipher: ApiKeyCipher;
  readonly usage: UsageWriter;
  readonly cacheTtlMs: number;
  readonly maxCachedTokens?: number;
  readonly now?: () => number;
  readonly onKeyError?: (projectId: string, error: unknown) => void;
}

/** The token of an `Authorization: Bearer sk-…` header, or undefined when missing or malformed. */
export function extractBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space === -1 || header.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  const token = header.slice(space + 1).trim();
  return isWellFormedToken(token) ? token : undefined;
}

function refusal(credential: CachedCredential | null, nowMs: number): ProxyError | undefined {
  if (credential === null) return new ProxyError('token_not_found');
  if (!credential.isActive) return new ProxyError('token_inactive');
  if (credential.expiresAtMs !== null && credential.expiresAtMs <= nowMs) return new ProxyError('token_expired');
  if (!credential.isProjectActive) return new ProxyError('project_inactive');
  if (!credential.hasUpstreamKey) return new ProxyError('upstream_auth_error');
  return undefined;
}

export function createTokenAuthenticator(options: TokenAuthenticatorOptions): TokenAuthenticator {
  const { database, cipher, usage, cacheTtlMs } = options;
  const maxCachedTokens = options.maxCachedTokens ?? 10_000;
  const now = options.now ?? Date.now;
  // Keyed by the whole Authorization header: the steady state needs no parsing of it at all.
  const cache = new Map<string, CachedCredential>();
  const loading = new Map<string, Promise<CachedCredential | null>>();
  // Bumped by every invalidation, so a lookup that started before one is not cached after it.
  let generation = 0;

  async function fetchCredential(header: string, token: string, nowMs: number): Promise<CachedCredential | null> {
    const startedGeneration = generation;
    let found;
    try {
      found = await findCredential(database, hashToken(token));
    } catch (error) {
      throw new ProxyError('service_unavailable', undefined, { cause: error });
    }
    if (found === undefined) return null;
    const { token: row, project } = found;
    let upstreamAuthorization = '';
    try {
      upstreamAuthorization = `Bearer ${cipher.decrypt(project.storedApiKey)}`;
    } catch (error) {
      options.onKeyError?.(project.id, error);
    }
    const credential: CachedCredential = {
      tokenId: row.id,
      projectId: project.id,
      upstreamAuthorization,
      isActive: row.isActive,
      expiresAtMs: row.expiresAt?.getTime() ?? null,
      maxRequests: row.maxRequests,
      isProjectActive: project.isActive,
      hasUpstreamKey: upstreamAuthorization !== '',
      cachedUntilMs: nowMs + cacheTtlMs,
      header,
    };
    if (generation === startedGeneration) {
      if (cache.size >= maxCachedTokens) cache.delete(cache.keys().next().value as string);
      cache.set(header, credential);
    }
    return credential;
  }

  function load(header: string, token: string, nowMs: number): Promise<CachedCredential | null> {
    let pending = loading.get(header);
    if (pending === undefined) {
      pending = fetchCredential(header, token, nowMs).finally(() => loading.delete(header));
      loading.set(header, pending);
    }
    return pending;
  }

  async function consumeLimited(credential: CachedCredential): Promise<void> {
    const nowMs = now();
    let admitted: boolean;
    try {
      admitted = await consumeLimitedRequest(database, credential.tokenId, new Date(nowMs));
    } catch (error) {
      throw new ProxyError('service_unavailable', undefined, { cause: error });
    }
    if (admitted) return;
    // Refused by the database: re-read to tell revoked/expired/deleted apart from used up.
    const { header } = credential;
    cache.delete(header);
    throw refusal(await load(header, extractBearerToken(header) ?? '', nowMs), nowMs) ?? new ProxyError('token_quota_exhausted');
  }

  function cachedValid(header: string | undefined): CachedCredential | undefined {
    if (header === undefined) return undefined;
    const credential = cache.get(header);
    if (credential === undefined) return undefined;
    const nowMs = now();
    if (credential.cachedUntilMs <= nowMs || refusal(credential, nowMs) !== undefined) return undefined;
    return credential;
  }

  async function authenticate(header: string | undefined): Promise<CachedCredential> {
    const token = extractBearerToken(header);
    if (header === undefined || token === undefined) throw new ProxyError('invalid_token');
    const nowMs = now();
    let credential: CachedCredential | null | undefined = cache.get(header);
    if (credential === undefined || credential.cachedUntilMs <= nowMs) credential = await load(header, token, nowMs);
    const refused = refusal(credential, nowMs);
    if (refused !== undefined) throw refused;
    return credential as CachedCredential;
  }

  function consume(admission: Admission): Promise<void> | undefined {
    if (admission.maxRequests === null) {
      usage.recordRequest(admission.tokenId, now());
      return undefined;
    }
    return consumeLimited(admission as CachedCredential);
  }

  function forget(matches: (credential: CachedCredential) => boolean): void {
    generation += 1;
    for (const [header, credential] of cache) if (matches(credential)) cache.delete(header);
  }

  return {
    authenticateCached: cachedValid,
    authenticate,
    consume,
    async refund(admission) {
      if (admission.maxRequests === null) {
        usage.recordRequest(admission.tokenId, now(), -1);
        return;
      }
      await releaseLimitedRequest(database, admission.tokenId);
    },
    admitCached(header) {
      const credential = cachedValid(header);
      if (credential === undefined || credential.maxRequests !== null) return undefined;
      consume(credential);
      return credential;
    },
    async admit(header) {
      const credential = await authenticate(header);
      await consume(credential);
      return credential;
    },
    invalidateToken: (tokenId) => forget((credential) => credential.tokenId === tokenId),
    invalidateProject: (projectId) => forget((credential) => credential.projectId === projectId),
    clear: () => forget(() => true),
  };
}
