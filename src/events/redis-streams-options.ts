import { hostname as machineName } from 'node:os';
import type { RedisStreamsSettings } from '../config/index.js';

/** How the Redis Streams publisher (server) and source (dispatcher) reach and use the stream. */
export interface RedisStreamsOptions {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  /** Never log it. */
  readonly password: string | undefined;
  /** host:port, for messages (no password). */
  readonly address: string;
  readonly streamKey: string;
  readonly deadLetterStreamKey: string;
  readonly consumerGroup: string;
  /** This consumer's name in the group; unused by the publisher. */
  readonly consumerName: string;
  /** Approximate MAXLEN on every XADD; 0 = no trimming. */
  readonly maxLen: number;
  /** How long the dispatcher's reads wait for new entries (XREADGROUP … BLOCK; REDIS_STREAM_BLOCK_TIME). */
  readonly blockMs: number;
  /** Entries idle this long in another consumer's pending list are claimed. */
  readonly claimIdleMs: number;
  /** Entries per read, at most (XREADGROUP/XAUTOCLAIM … COUNT; REDIS_STREAM_BATCH_SIZE), whatever `read` is asked for. */
  readonly batchSize: number;
  /** Longest wait for a connection. Default 2 s. */
  readonly connectTimeoutMs?: number;
}

export interface ProcessIdentity {
  readonly hostname: string;
  readonly pid: number;
}

/** `localhost:6379` → localhost, 6379; `[::1]:6379` → ::1, 6379 (REDIS_ADDR is validated by config). */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(colon + 1)) };
}

/**
 * The options the settings (REDIS_* variables) describe. Without REDIS_CONSUMER_NAME a consumer
 * is `dispatcher-<hostname>-<pid>`: unique per process, so a restarted dispatcher gets the
 * entries its predecessor left unacknowledged by claiming them after REDIS_STREAM_CLAIM_TIME.
 */
export function redisStreamsOptions(settings: RedisStreamsSettings, identity: ProcessIdentity = { hostname: machineName(), pid: process.pid }): RedisStreamsOptions {
  return {
    ...splitAddress(settings.address),
    db: settings.db,
    password: settings.password,
    address: settings.address,
    streamKey: settings.streamKey,
    deadLetterStreamKey: settings.deadLetterStreamKey,
    consumerGroup: settings.consumerGroup,
    consumerName: settings.consumerName ?? `dispatcher-${identity.hostname}-${identity.pid}`,
    maxLen: settings.maxLen,
    blockMs: settings.blockMs,
    claimIdleMs: settings.claimIdleMs,
    batchSize: settings.batchSize,
  };
}
