import type { Redis } from 'ioredis';
import type { RedisStreamsOptions } from './redis-streams-options.js';

/** Redis could not be reached (or refused us) when the bus or the source started. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  constructor(
    /** host:port, never the password. */
    readonly address: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectOptions {
  /** What the connection is for, in the message: `cannot reach Redis at <address> for <purpose>`. */
  readonly purpose: string;
  /** The fix, in the message's parentheses. */
  readonly hint: string;
  /** false: commands fail at once while the connection is down instead of waiting in ioredis' queue. */
  readonly offlineQueue: boolean;
  /** A command without an answer this long fails (0: no limit, for blocking reads). */
  readonly commandTimeoutMs: number;
  /** Connection trouble after the start (the client reconnects by itself). */
  readonly onError?: (error: Error) => void;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A connected ioredis client (ioredis is loaded here, on first use, so the embedded default never
 * loads it). Rejects with RedisUnreachableError naming the address and the fix when Redis cannot
 * be reached or refuses the connection (wrong password, unknown database).
 */
export async function connectRedis(options: RedisStreamsOptions, connect: ConnectOptions): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host: options.host,
    port: options.port,
    db: options.db,
    password: options.password,
    lazyConnect: true,
    enableOfflineQueue: connect.offlineQueue,
    // Commands under way when the connection drops fail instead of being sent again: the caller retries.
    maxRetriesPerRequest: 0,
    commandTimeout: connect.commandTimeoutMs > 0 ? connect.commandTimeoutMs : undefined,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  let startError: Error | undefined;
  const onStartError = (error: Error) => void (startError ??= error);
  client.on('error', onStartError);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    // connect() tells only "Connection is closed."; the error event before it has the cause (ECONNREFUSED…).
    const reason = errorMessage(startError ?? error);
    throw new RedisUnreachableError(options.address, `cannot reach Redis at ${options.address} for ${connect.purpose}: ${reason} (${connect.hint})`);
  }
  client.off('error', onStartError);
  client.on('error', (error: Error) => connect.onError?.(error));
  return client;
}
