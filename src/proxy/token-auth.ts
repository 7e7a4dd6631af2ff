import { CoordinationUnavailableError, createLocalCoordinator, type AdmissionVerdict, type Coordinator, type RateLimit } from '../coordination/index.js';
import { ProxyError, isProxyError } from '../errors.js';
import { apiKeyProblem, hashToken, isWellFormedToken, type ApiKeyCipher } from '../security/index.js';
import { consumeLimitedRequest, findCredential, findTokenById, releaseLimitedRequest, type Database, type Project, type UsageWriter } from '../store/index.js';
import { createLruCache } from './lru-cache.js';

/** What an admitted request carries on: whose it is and the upstream credential to send. */
export interface Admission {
  readonly tokenId: string;
  readonly projectId: string;
  /** `Bearer <project API key>`. */
  readonly upstreamAuthorization: string;
  /** Null for an unlimited token. */
  readonly maxRequests: number | null;
  /** The requests_per_minute limits of the token and its project (usually none). */
  readonly rateLimits: readonly RateLimit[];
  /**
   * More headers for the upstream, as a flat [name, value, …] list (the project's
   * OpenAI-Organization / OpenAI-Project); built once per cached credential, often empty.
   */
  readonly upstreamHeaders: readonly string[];
  /** False when the project's stored key could not be decrypted or cannot be sent in a header. */
  readonly hasUpstreamKey: boolean;
  /** Why the stored key is unusable, when that is not a decryption failure (sent to the client). */
  readonly keyProblem: string | undefined;
}

/**
 * The refusal of a request that needs the project's key when that key is unusable, else
 * undefined. Checked where the key is needed, not at authentication: a cached answer needs none.
 */
export function upstreamKeyRefusal(admission: Admission): ProxyError | undefined {
  return admission.hasUpstreamKey ? undefined : new ProxyError('upstream_auth_error', admission.keyProblem);
}

const NO_HEADERS: readonly string[] = Object.freeze([]);

/** The project's own upstream headers: its OpenAI organization and project ids, when set. */
function projectUpstreamHeaders(project: { openaiOrganization: string | null; openaiProject: string | null }): readonly string[] {
  if (project.openaiOrganization === null && project.openaiProject === null) return NO_HEADERS;
  const headers: string[] = [];
  if (project.openaiOrganization !== null) headers.push('openai-organization', project.openaiOrganization);
  if (project.openaiProject !== null) headers.push('openai-project', project.openaiProject);
  return Object.freeze(headers);
}

/**
 * Admits or refuses requests by withering token. Token + project lookups go through an
 * in-process cache (short TTL, explicit invalidation from the management API, concurrent misses
 * share one query), so the steady state costs no database round trip — except for tokens with
 * max_requests, which are counted exactly by one conditional UPDATE per request (or, with Redis
 * coordination, one Redis script, the database's count written behind). Tokens and projects with
 * requests_per_minute go through the coordinator's windows. Unknown tokens
 * are remembered too (briefly, bounded), so a flood of made-up tokens costs no query each.
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
   * max_requests by one conditional update or the coordinator's script (rejects when it is used
   * up, or revoked meanwhile), a rate-limited one in its windows (rejects with rate_limited); an
   * unlimited one in memory, written behind (then it returns undefined: nothing to wait for).
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
  /** A token was created: forget the unknown tokens remembered, it may be one of them. */
  tokenCreated(): void;
  clear(): void;
}

interface CachedCredential extends Admission {
  readonly isActive: boolean;
  readonly expiresAtMs: number | null;
  readonly maxRequests: number | null;
  readonly isProjectActive: boolean;
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
  /** How many unknown tokens are remembered (least recently seen forgotten first). Default 10,000. */
  readonly maxUnknownTokens?: number;
  readonly now?: () => number;
  /** Called when a project's stored key cannot be used: on every failed decryption, once per project for a key that is not header-safe. */
  readonly onKeyError?: (projectId: string, error: unknown) => void;
  /**
   * Rate limits, and max_requests when it `countsMaxRequests` (Redis across instances); default:
   * in-process rate limits, max_requests by the database's conditional update.
   */
  readonly coordinator?: Coordinator;
}

const NO_LIMITS: readonly RateLimit[] = Object.freeze([]);

function rateLimitsOf(token: { id: string; requestsPerMinute: number | null }, project: { id: string; requestsPerMinute: number | null }): readonly RateLimit[] {
  if (token.requestsPerMinute === null && project.requestsPerMinute === null) return NO_LIMITS;
  const limits: RateLimit[] = [];
  if (token.requestsPerMinute !== null) limits.push({ scope: 'token', id: token.id, perMinute: token.requestsPerMinute });
  if (project.requestsPerMinute !== null) limits.push({ scope: 'project', id: project.id, perMinute: project.requestsPerMinute });
  return Object.freeze(limits);
}

/** A full rate window as the client sees it: 429 with when to retry (x-should-retry: true). */
function rateLimited(verdict: Extract<AdmissionVerdict, { outcome: 'rate_limited' }>): ProxyError {
  const { limit, retryAfterMs } = verdict;
  const seconds = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new ProxyError(
    'rate_limited',
    `Too many requests: the ${limit.scope}'s limit of ${limit.perMinute} requests per minute is reached; retry in ${seconds} s (Retry-After)`,
    {
      headers: ['Retry-After', seconds, 'x-should-retry', 'true', 'X-RateLimit-Limit', String(limit.perMinute), 'X-RateLimit-Remaining', '0', 'X-RateLimit-Reset', seconds],
    },
  );
}

/** What each stored value sent upstream is called, and the flag that sets it again. */
const STORED_UPSTREAM_VALUES = {
  key: { label: 'API key', flag: '--openai-key <key>' },
  organization: { label: 'OpenAI organization id', flag: '--openai-organization <id>' },
  project: { label: 'OpenAI project id', flag: '--openai-project <id>' },
} as const;

/**
 * Why a stored value node would refuse as a header value (written by an older version or by
 * hand) makes the project unusable: the reason and the fix, never the value itself.
 */
function unsendableValueMessage(projectId: string, which: keyof typeof STORED_UPSTREAM_VALUES, problem: string): string {
  const { label, flag } = STORED_UPSTREAM_VALUES[which];
  return (
    `The stored ${label} of project ${projectId} ${problem.replace(/; paste the key again as plain text$/, '')}: ` +
    `set it again with "llm-proxy manage project update ${projectId} ${flag}"`
  );
}

/** The first stored value of the project that cannot be sent in a header, as a message. */
function unsendableValue(project: Project, key: string): string | undefined {
  const values = { key, organization: project.openaiOrganization, project: project.openaiProject };
  for (const which of ['key', 'organization', 'project'] as const) {
    const value = values[which];
    const problem = value === null ? undefined : apiKeyProblem(value);
    if (problem !== undefined) return unsendableValueMessage(project.id, which, problem);
  }
  return undefined;
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
  return undefined;
}

/** Unknown tokens are remembered at most this long: bounds how late a token created outside this process (setup) works. */
const MAX_UNKNOWN_TOKEN_TTL_MS = 5_000;

/** A database failure as the client sees it: a lock timeout keeps its own message, anything else is the catalogue's. */
function unavailable(error: unknown): ProxyError {
  if (isProxyError(error)) return error;
  if (error instanceof CoordinationUnavailableError) return new ProxyError('coordination_unavailable', undefined, { cause: error });
  return new ProxyError('service_unavailable', undefined, { cause: error });
}

export function createTokenAuthenticator(options: TokenAuthenticatorOptions): TokenAuthenticator {
  const { database, cipher, usage, cacheTtlMs } = options;
  const coordinator = options.coordinator ?? createLocalCoordinator();
  const now = options.now ?? Date.now;
  // Keyed by the whole Authorization header: the steady state needs no parsing of it at all.
  const cache = createLruCache<string, CachedCredential>(options.maxCachedTokens ?? 10_000);
  // Token → until when it is known not to exist. Keyed by the token, so header variants share an entry.
  const unknownTokens = createLruCache<string, number>(options.maxUnknownTokens ?? 10_000);
  const unknownTtlMs = Math.min(cacheTtlMs, MAX_UNKNOWN_TOKEN_TTL_MS);
  const loading = new Map<string, Promise<CachedCredential | null>>();
  // Bumped by every invalidation, so a lookup that started before one is not cached after it.
  let generation = 0;
  // Projects whose unsendable key was already logged (forgotten when the project changes).
  const reportedKeyProblems = new Set<string>();

  /** `Bearer <key>`, or '' and why the project's stored values cannot be sent upstream. */
  function upstreamCredential(project: Project): { authorization: string; keyProblem?: string } {
    let key: string;
    try {
      key = cipher.decrypt(project.storedApiKey);
    } catch (error) {
      options.onKeyError?.(project.id, error);
      return { authorization: '' };
    }
    const keyProblem = unsendableValue(project, key);
    if (keyProblem === undefined) return { authorization: `Bearer ${key}` };
    if (!reportedKeyProblems.has(project.id)) {
      reportedKeyProblems.add(project.id);
      options.onKeyError?.(project.id, new Error(keyProblem));
    }
    return { authorization: '', keyProblem };
  }

  async function fetchCredential(header: string, token: string, nowMs: number): Promise<CachedCredential | null> {
    const startedGeneration = generation;
    let found;
    try {
      found = await findCredential(database, hashToken(token));
    } catch (error) {
      throw unavailable(error);
    }
    if (found === undefined) {
      if (generation === startedGeneration && unknownTtlMs > 0) unknownTokens.set(token, nowMs + unknownTtlMs);
      return null;
    }
    const { token: row, project } = found;
    const { authorization: upstreamAuthorization, keyProblem } = upstreamCredential(project);
    const credential: CachedCredential = {
      tokenId: row.id,
      projectId: project.id,
      upstreamAuthorization,
      upstreamHeaders: projectUpstreamHeaders(project),
      isActive: row.isActive,
      expiresAtMs: row.expiresAt?.getTime() ?? null,
      maxRequests: row.maxRequests,
      rateLimits: rateLimitsOf(row, project),
      isProjectActive: project.isActive,
      hasUpstreamKey: upstreamAuthorization !== '',
      keyProblem,
      cachedUntilMs: nowMs + cacheTtlMs,
      header,
    };
    if (generation === startedGeneration) cache.set(header, credential);
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

  /** The database's count of a token plus what this instance has not written yet: a shared count's seed. */
  async function storedCount(tokenId: string): Promise<number> {
    await usage.flush();
    return (await findTokenById(database, tokenId))?.requestCount ?? 0;
  }

  /** Refused as used up: re-read to tell revoked/expired/deleted apart from used up. */
  async function exhausted(credential: CachedCredential, nowMs: number): Promise<never> {
    const { header } = credential;
    cache.delete(header);
    throw refusal(await load(header, extractBearerToken(header) ?? '', nowMs), nowMs) ?? new ProxyError('token_quota_exhausted');
  }

  async function consumeLimited(credential: CachedCredential): Promise<void> {
    const nowMs = now();
    let admitted: boolean;
    try {
      admitted = await consumeLimitedRequest(database, credential.tokenId, new Date(nowMs));
    } catch (error) {
      throw unavailable(error);
    }
    if (!admitted) await exhausted(credential, nowMs);
  }

  /** A capped or rate-limited token's request: through the coordinator (and the database's count when it does not count). */
  async function consumeCoordinated(credential: CachedCredential, pending: AdmissionVerdict | Promise<AdmissionVerdict>): Promise<void> {
    let verdict: AdmissionVerdict;
    try {
      verdict = await pending;
    } catch (error) {
      throw unavailable(error);
    }
    if (verdict.outcome === 'rate_limited') throw rateLimited(verdict);
    if (verdict.outcome === 'exhausted') await exhausted(credential, now());
    if (credential.maxRequests !== null && !coordinator.countsMaxRequests) return consumeLimited(credential);
    // Counted by the coordinator (or not capped): the database's count is written behind.
    usage.recordRequest(credential.tokenId, now());
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
    if (credential === undefined || credential.cachedUntilMs <= nowMs) {
      if (isKnownUnknown(token, nowMs)) throw new ProxyError('token_not_found');
      credential = await load(header, token, nowMs);
    }
    const refused = refusal(credential, nowMs);
    if (refused !== undefined) throw refused;
    return credential as CachedCredential;
  }

  function consume(admission: Admission): Promise<void> | undefined {
    const { maxRequests, rateLimits } = admission;
    if (rateLimits.length === 0) {
      if (maxRequests === null) {
        usage.recordRequest(admission.tokenId, now());
        return undefined;
      }
      if (!coordinator.countsMaxRequests) return consumeLimited(admission as CachedCredential);
    }
    const credential = admission as CachedCredential;
    let pending: AdmissionVerdict | Promise<AdmissionVerdict>;
    try {
      pending = coordinator.admit({
        tokenId: credential.tokenId,
        maxRequests: coordinator.countsMaxRequests ? maxRequests : null,
        rateLimits,
        seedCount: () => storedCount(credential.tokenId),
      });
    } catch (error) {
      return Promise.reject(unavailable(error));
    }
    return consumeCoordinated(credential, pending);
  }

  function forget(matches: (credential: CachedCredential) => boolean): void {
    generation += 1;
    cache.deleteWhere(matches);
  }

  function isKnownUnknown(token: string, nowMs: number): boolean {
    const until = unknownTokens.get(token);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    unknownTokens.delete(token);
    return false;
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
      if (!coordinator.countsMaxRequests) return releaseLimitedRequest(database, admission.tokenId);
      try {
        await coordinator.refund(admission.tokenId);
      } catch (error) {
        throw unavailable(error);
      }
      usage.recordRequest(admission.tokenId, now(), -1);
    },
    admitCached(header) {
      const credential = cachedValid(header);
      if (credential === undefined || credential.maxRequests !== null || credential.rateLimits.length > 0 || !credential.hasUpstreamKey) return undefined;
      consume(credential);
      return credential;
    },
    async admit(header) {
      const credential = await authenticate(header);
      const keyRefused = upstreamKeyRefusal(credential);
      if (keyRefused !== undefined) throw keyRefused;
      await consume(credential);
      return credential;
    },
    invalidateToken: (tokenId) => forget((credential) => credential.tokenId === tokenId),
    invalidateProject: (projectId) => {
      reportedKeyProblems.delete(projectId);
      forget((credential) => credential.projectId === projectId);
    },
    tokenCreated() {
      generation += 1; // a lookup under way when the token was created must not be remembered as unknown
      unknownTokens.clear();
    },
    clear() {
      reportedKeyProblems.clear();
      forget(() => true);
      unknownTokens.clear();
    },
  };
}
