import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedisSessionStore } from './redis-session-store.js';
import { CoordinationUnavailableError, MINUTE_MS, type AdmissionRequest, type AdmissionVerdict, type Coordinator, type Invalidation } from './coordinator.js';

export interface RedisCoordinatorOptions {
  /** redis://[:password@]host:port/db (may hold a password: never logged). */
  readonly url: string;
  /** Prepended to every key and to the channel (LLM_PROXY_COORDINATION_KEY_PREFIX). */
  readonly keyPrefix: string;
  /** How often the invalidation version is read, the safety net for a lost message. Default 1 s. */
  readonly versionCheckMs?: number;
  /** A command without an answer this long fails (the request gets a 503). Default 500 ms. */
  readonly commandTimeoutMs?: number;
  /** Connection trouble after the start (the clients reconnect by themselves). */
  readonly onError?: (error: Error) => void;
}

/** host:port/db of a Redis URL, for messages: never the password. */
function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}/${parsed.pathname.replace(/^\//, '') || '0'}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A capped token's count outlives a day without requests; then it is seeded from the database again. */
const COUNT_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * One request's admission, atomically: every rate window of the current minute (Redis' own clock,
 * so instances agree on windows) must have room, then the token's count must be under its
 * max_requests (seeded from the database when Redis has no count yet), and only then is
 * everything counted. KEYS[1] = the count, KEYS[2..] = rate window bases (the minute is appended:
 * this is not meant for Redis Cluster). ARGV = max ('' = not capped), seed ('' = none), count TTL,
 * then one limit per rate key. Returns {outcome, retry ms, rate key index}:
 * 0 admitted, 1 needs a seed, 2 exhausted, 3 rate limited.
 */
const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = math.floor(nowMs / ${MINUTE_MS})
local retryMs = (window + 1) * ${MINUTE_MS} - nowMs
for i = 2, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i] .. ':' .. window) or '0')
  if used >= tonumber(ARGV[i + 2]) then return {3, retryMs, i - 1} end
end
if ARGV[1] ~= '' then
  local used = redis.call('GET', KEYS[1])
  if not used then
    if ARGV[2] == '' then return {1, 0, 0} end
    used = ARGV[2]
  end
  used = tonumber(used)
  if used >= tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], used, 'PX', ARGV[3])
    return {2, 0, 0}
  end
  redis.call('SET', KEYS[1], used + 1, 'PX', ARGV[3])
end
for i = 2, #KEYS do
  local key = KEYS[i] .. ':' .. window
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ${MINUTE_MS + 1000}) end
end
return {0, 0, 0}
`;

/** Gives back one counted request, never below zero. */
const REFUND_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return used
`;

/** Bumps the invalidation version and tells the subscribers, in one step: returns the new version. */
const ANNOUNCE_SCRIPT = `
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], version .. ' ' .. ARGV[1])
return version
`;

type AdmitReply = [number, number, number];

interface CoordinatorCommands {
  llmProxyAdmit(...args: (string | number)[]): Promise<AdmitReply>;
  llmProxyRefund(key: string): Promise<number>;
  llmProxyAnnounce(versionKey: string, channel: string, message: string): Promise<number>;
}

function encode(invalidation: Invalidation, origin: string): string {
  return JSON.stringify({ ...invalidation, origin });
}

function decode(text: string): { invalidation: Invalidation; origin: string } | undefined {
  try {
    const { origin, kind, id } = JSON.parse(text) as { origin?: unknown; kind?: unknown; id?: unknown };
    if (typeof origin !== 'string') return undefined;
    if ((kind === 'token' || kind === 'project') && typeof id === 'string') return { invalidation: { kind, id }, origin };
    if (kind === 'token-created' || kind === 'all') return { invalidation: { kind }, origin };
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * Coordination through Redis: the admission script above, the admin UI's sessions
 * (redis-session-store.ts, on the same connection), and invalidations published on a
 * channel with a version counter beside it. Each instance remembers the last version it applied;
 * a message that skips versions, or a version read (every `versionCheckMs`) ahead of the last one
 * applied, means a message was lost (the subscriber was disconnected): the whole token cache is
 * dropped. Announcements that could not be sent (Redis away) are sent again at the next check.
 * Commands never queue while Redis is away: they fail at once, and the callers fail closed.
 */
export async function createRedisCoordinator(options: RedisCoordinatorOptions): Promise<Coordinator> {
  const address = redisAddress(options.url);
  const { Redis } = await import('ioredis');
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  const subscriber = client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  // While starting, the first connection error is the cause to report (connect() only says "Connection is closed.").
  let startError: Error | undefined;
  const onStartError = (error: Error) => void (startError ??= error);
  client.on('error', onStartError);
  subscriber.on('error', onStartError);
  const prefix = options.keyPrefix;
  const versionKey = `${prefix}invalidation-version`;
  const channel = `${prefix}invalidations`;
  const origin = randomUUID();
  const commands = client as unknown as Redis & CoordinatorCommands;
  client.defineCommand('llmProxyAdmit', { lua: ADMIT_SCRIPT });
  client.defineCommand('llmProxyRefund', { numberOfKeys: 1, lua: REFUND_SCRIPT });
  client.defineCommand('llmProxyAnnounce', { numberOfKeys: 2, lua: ANNOUNCE_SCRIPT });

  let listener: (invalidation: Invalidation) => void = () => {};
  let appliedVersion = 0;
  const unsent: Invalidation[] = [];

  /** Applies version `version` (undefined: already applied here, our own); a skipped version drops everything. */
  function apply(version: number, invalidation: Invalidation | undefined): void {
    if (version > appliedVersion + 1) listener({ kind: 'all' });
    else if (invalidation !== undefined) listener(invalidation);
    if (version > appliedVersion) appliedVersion = version;
  }

  try {
    await client.connect();
    await subscriber.connect();
    appliedVersion = Number((await client.get(versionKey)) ?? 0);
    await subscriber.subscribe(channel);
  } catch (error) {
    client.disconnect();
    subscriber.disconnect();
    throw new CoordinationUnavailableError(
      `cannot reach Redis at ${address} for LLM_PROXY_COORDINATION=redis: ${errorMessage(startError ?? error)} (start Redis, fix REDIS_ADDR/REDIS_DB/REDIS_PASSWORD, or set LLM_PROXY_COORDINATION=none for a single instance)`,
    );
  }
  const onError = (error: Error) => options.onError?.(error);
  for (const connection of [client, subscriber]) connection.off('error', onStartError).on('error', onError);
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    const space = text.indexOf(' ');
    const version = Number(text.slice(0, space));
    const message = decode(text.slice(space + 1));
    if (message === undefined || !Number.isFinite(version)) return;
    apply(version, message.origin === origin ? undefined : message.invalidation);
  });

  async function send(invalidation: Invalidation): Promise<void> {
    // Our own message may arrive before or after this reply: either applies the version once.
    apply(await commands.llmProxyAnnounce(versionKey, channel, encode(invalidation, origin)), undefined);
  }

  let checking = false;
  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      while (unsent.length > 0) {
        await send(unsent[0] as Invalidation);
        unsent.shift();
      }
      const version = Number((await client.get(versionKey)) ?? 0);
      if (version > appliedVersion) apply(version, { kind: 'all' });
    } catch {
      // Redis away: tried again at the next check (the clients reconnect by themselves).
    } finally {
      checking = false;
    }
  }
  const timer = setInterval(() => void check(), options.versionCheckMs ?? 1000);
  timer.unref();

  function unavailable(error: unknown): CoordinationUnavailableError {
    return new CoordinationUnavailableError(`Redis at ${address} cannot be reached: ${errorMessage(error)}`, { cause: error });
  }

  async function run(request: AdmissionRequest, seed: string): Promise<AdmitReply> {
    const capped = request.maxRequests !== null;
    const keys = [`${prefix}count:${request.tokenId}`, ...request.rateLimits.map((limit) => `${prefix}rate:${limit.scope}:${limit.id}`)];
    const args = [capped ? String(request.maxRequests) : '', seed, String(COUNT_TTL_MS), ...request.rateLimits.map((limit) => String(limit.perMinute))];
    try {
      return await commands.llmProxyAdmit(keys.length, ...keys, ...args);
    } catch (error) {
      throw unavailable(error);
    }
  }

  return {
    countsMaxRequests: true,
    async admit(request): Promise<AdmissionVerdict> {
      let [outcome, retryMs, index] = await run(request, '');
      if (outcome === 1) [outcome, retryMs, index] = await run(request, String(await request.seedCount()));
      if (outcome === 0) return { outcome: 'admitted' };
      if (outcome === 2) return { outcome: 'exhausted' };
      const limit = request.rateLimits[index - 1];
      if (outcome === 3 && limit !== undefined) return { outcome: 'rate_limited', limit, retryAfterMs: retryMs };
      throw unavailable(new Error(`unexpected admission reply ${outcome}`));
    },
    async refund(tokenId) {
      try {
        await commands.llmProxyRefund(`${prefix}count:${tokenId}`);
      } catch (error) {
        throw unavailable(error);
      }
    },
    announce(invalidation) {
      send(invalidation).catch(() => {
        unsent.push(invalidation);
      });
    },
    onInvalidation(next) {
      listener = next;
    },
    sharedSessions: (ttlMs) => createRedisSessionStore(client, { keyPrefix: prefix, ttlMs, unavailable }),
    async close() {
      clearInterval(timer);
      await check();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
