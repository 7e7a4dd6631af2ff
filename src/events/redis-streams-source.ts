import type { Redis } from 'ioredis';
import type { EventSource, ReceivedEvent } from './event-source.js';
import type { ProxyEvent } from './proxy-event.js';
import { connectRedis, errorMessage } from './redis-connection.js';
import type { RedisStreamsOptions } from './redis-streams-options.js';

export interface RedisStreamsSourceTuning {
  /**
   * How entries idle in dead consumers' pending lists are claimed: `xautoclaim` (Redis ≥ 6.2;
   * the default, which falls back by itself when Redis does not know the command) or
   * `xpending` (XPENDING + XCLAIM, for older Redis).
   */
  readonly claimWith?: 'xautoclaim' | 'xpending';
}

/** An entry as Redis returns it: id and field/value list (null when the entry was deleted meanwhile). */
type StreamEntry = [id: string, fields: string[] | null];

interface Unreadable {
  readonly id: string;
  readonly data: string;
  readonly reason: string;
}

/** Keeps ioredis' untyped stream replies in one place. */
function entriesOf(reply: unknown): StreamEntry[] {
  return Array.isArray(reply) ? (reply as StreamEntry[]) : [];
}

/** XREADGROUP's reply for one stream: [[key, entries]] or null on timeout. */
function readReplyEntries(reply: unknown): StreamEntry[] {
  return Array.isArray(reply) && Array.isArray(reply[0]) ? entriesOf((reply[0] as unknown[])[1]) : [];
}

/** [field, value, …] → record. */
function fieldsOf(list: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let index = 0; index + 1 < list.length; index += 2) record[String(list[index])] = list[index + 1];
  return record;
}

function parseEvent(data: string): ProxyEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch (error) {
    return `unparsable entry: ${errorMessage(error)}`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'unparsable entry: not a JSON object';
  const candidate = value as Partial<ProxyEvent>;
  if (typeof candidate.event_id !== 'string' || typeof candidate.schema_version !== 'number') {
    return 'unparsable entry: not a proxy event (no event_id or schema_version)';
  }
  return value as ProxyEvent;
}

/** Orders stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}

function isReplyError(error: unknown, prefix: string): boolean {
  return error instanceof Error && error.name === 'ReplyError' && error.message.startsWith(prefix);
}

/** Resolves true once the client is connected, false after `ms`. */
function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}

/**
 * Reads the event stream as one consumer of a consumer group (at-least-once): first the entries
 * this consumer name was given and never acknowledged (a restart under the same name), then new
 * ones (`>`, blocking on a connection of its own). Every so often it claims entries idle for
 * `claimIdleMs` in the group's pending lists (consumers that died mid-batch, or its own whose
 * acknowledgement failed), never the ones it holds. Entries that are not proxy events go to the
 * dead-letter stream with the reason. A read that meets a lost connection waits for it up to
 * `waitMs`, then rejects (the caller retries; nothing is lost: what was not acknowledged is
 * delivered again, its own pending list is read again on reconnection). Rejects with
 * RedisUnreachableError at start.
 */
export async function createRedisStreamsSource(options: RedisStreamsOptions, tuning: RedisStreamsSourceTuning = {}): Promise<EventSource> {
  const connect = {
    purpose: `the event stream ${options.streamKey}`,
    hint: 'start Redis, or check REDIS_ADDR/REDIS_DB/REDIS_PASSWORD',
    // While the connection is down commands fail at once (a read waits for it only up to its waitMs).
    offlineQueue: false,
  };
  const command = await connectRedis(options, { ...connect, commandTimeoutMs: 10_000 });
  let reader: Redis;
  try {
    // XREADGROUP … BLOCK holds its connection: acks and claims go over the other one meanwhile.
    reader = await connectRedis(options, { ...connect, commandTimeoutMs: 0 });
  } catch (error) {
    command.disconnect();
    throw error;
  }
  const { streamKey: key, consumerGroup: group, consumerName: consumer } = options;

  async function ensureGroup(): Promise<void> {
    try {
      await command.xgroup('CREATE', key, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!isReplyError(error, 'BUSYGROUP')) throw error;
    }
  }
  try {
    await ensureGroup();
  } catch (error) {
    command.disconnect();
    reader.disconnect();
    throw new Error(`cannot create consumer group ${group} on stream ${key} at ${options.address}: ${errorMessage(error)}`);
  }

  let closed = false;
  /** stopReading() was called: reads answer [] (acks and dead letters go on over the command connection). */
  let readingStopped = false;
  /**
   * Entries handed to the caller and not yet acknowledged or dead-lettered. Claims and rereads of
   * the own pending list skip them: they are in this process already (XAUTOCLAIM does not look at
   * the owner, so a sink slower than claimIdleMs would otherwise get them twice).
   */
  const held = new Set<string>();
  /**
   * True from sending a read of pending entries (a claim, or this consumer's own pending list)
   * until its entries went through received(). Such a read sent before an acknowledgement reached
   * Redis can still return the acknowledged entries (a claim: idle past claimIdleMs while a slow
   * batch was written); ids released meanwhile stay held until then, so that the reply finds them
   * held and skips them instead of delivering them again.
   */
  let pendingReadInFlight = false;
  let releasedDuringRead: string[] = [];

  function release(ids: readonly string[]): void {
    if (pendingReadInFlight) releasedDuringRead.push(...ids);
    else for (const id of ids) held.delete(id);
  }

  function pendingReadProcessed(): void {
    pendingReadInFlight = false;
    for (const id of releasedDuringRead) held.delete(id);
    releasedDuringRead = [];
  }
  /** This consumer's own pending entries are read first, from this id on; undefined once done. */
  let ownPendingCursor: string | undefined = '0';
  // After a lost connection the pending list may hold entries this process never got (a read whose
  // answer was lost) or could not acknowledge: read it again (what is held is skipped).
  const rereadOwnPending = () => void (ownPendingCursor = '0');
  command.on('ready', rereadOwnPending);
  reader.on('ready', rereadOwnPending);
  let claimWith = tuning.claimWith ?? 'xautoclaim';
  let claimCursor = '0-0';
  let lastClaimRoundAt = 0;
  const claimEveryMs = Math.max(50, Math.min(options.claimIdleMs / 2, 5000));

  // What this process holds stays its own however long the sink takes (retries, a slow webhook):
  // XCLAIM … JUSTID by itself resets the entries' idle time, so that no other consumer of the
  // group claims them as a dead one's (and the sink gets them twice).
  const keepHeld = setInterval(() => {
    if (held.size === 0 || command.status !== 'ready') return;
    command.xclaim(key, group, consumer, 0, ...held, 'JUSTID').catch(() => undefined);
  }, Math.max(25, options.claimIdleMs / 3));
  keepHeld.unref();

  async function deadLetterEntries(entries: readonly Unreadable[]): Promise<void> {
    if (entries.length === 0) return;
    const transaction = command.multi();
    for (const entry of entries) {
      transaction.xadd(options.deadLetterStreamKey, '*', 'data', entry.data, 'reason', entry.reason, 'original_id', entry.id, 'consumer', consumer);
    }
    transaction.xack(key, group, ...entries.map((entry) => entry.id));
    const results = await transaction.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) throw new Error(`dead-lettering to ${options.deadLetterStreamKey} failed: ${failed?.message ?? 'transaction aborted'}`);
  }

  /**
   * Turns entries into events, each keeping the entry's data (a dead letter holds exactly what was
   * published; the file sink writes it as is); deleted entries are acknowledged away, unreadable
   * ones dead-lettered.
   */
  async function received(entries: readonly StreamEntry[]): Promise<ReceivedEvent[]> {
    const events: ReceivedEvent[] = [];
    const unreadable: Unreadable[] = [];
    const deleted: string[] = [];
    for (const [id, fields] of entries) {
      if (held.has(id)) continue;
      if (fields === null) {
        deleted.push(id);
        continue;
      }
      const data = fieldsOf(fields).data;
      if (typeof data !== 'string') {
        unreadable.push({ id, data: '', reason: 'unparsable entry: no data field' });
        continue;
      }
      const event = parseEvent(data);
      if (typeof event === 'string') unreadable.push({ id, data, reason: event });
      else events.push({ deliveryId: id, event, json: data });
    }
    await deadLetterEntries(unreadable);
    if (deleted.length > 0) await command.xack(key, group, ...deleted);
    for (const event of events) held.add(event.deliveryId);
    return events;
  }

  async function claimIdle(max: number): Promise<StreamEntry[]> {
    if (claimWith === 'xautoclaim') {
      try {
        const [next, entries] = (await command.xautoclaim(key, group, consumer, options.claimIdleMs, claimCursor, 'COUNT', max)) as [string, unknown];
        claimCursor = next;
        return entriesOf(entries);
      } catch (error) {
        if (!isReplyError(error, 'ERR unknown command')) throw error;
        claimWith = 'xpending';
      }
    }
    // Redis < 6.2: look at the oldest pending entries, claim those idle long enough (own ones too, unless held).
    const pending = (await command.xpending(key, group, '-', '+', max + held.size)) as [string, string, number, number][];
    const idle = pending.filter(([id, , idleMs]) => !held.has(id) && idleMs >= options.claimIdleMs).map(([id]) => id);
    claimCursor = '0-0';
    if (idle.length === 0) return [];
    return entriesOf(await command.xclaim(key, group, consumer, options.claimIdleMs, ...idle));
  }

  async function readEntries(max: number, waitMs: number): Promise<StreamEntry[]> {
    const claimDue = claimCursor !== '0-0' || Date.now() - lastClaimRoundAt >= claimEveryMs;
    if (claimDue) {
      pendingReadInFlight = true;
      const claimed = await claimIdle(max);
      if (claimCursor === '0-0') lastClaimRoundAt = Date.now();
      if (claimed.length > 0) return claimed;
    }
    if (ownPendingCursor !== undefined) {
      pendingReadInFlight = true;
      const mine = readReplyEntries(await command.xreadgroup('GROUP', group, consumer, 'COUNT', max, 'STREAMS', key, ownPendingCursor));
      const last = mine.at(-1);
      ownPendingCursor = last?.[0];
      if (last !== undefined) return mine;
    }
    // The wait ends by the next claim round, so that a dead consumer's entries are taken over every
    // claimEveryMs however long REDIS_STREAM_BLOCK_TIME is (an empty answer, then the next read claims).
    const blockMs = Math.min(waitMs, Math.max(1, lastClaimRoundAt + claimEveryMs - Date.now()));
    const reply =
      waitMs > 0
        ? await reader.xreadgroup('GROUP', group, consumer, 'COUNT', max, 'BLOCK', Math.ceil(blockMs), 'STREAMS', key, '>')
        : await reader.xreadgroup('GROUP', group, consumer, 'COUNT', max, 'STREAMS', key, '>');
    return readReplyEntries(reply);
  }

  return {
    description: `redis-streams ${key}@${options.address} (group ${group}, consumer ${consumer})`,
    async read(asked, waitMs) {
      if (closed || readingStopped) return [];
      const max = Math.min(asked, options.batchSize);
      const deadline = Date.now() + waitMs;
      try {
        // Entries that were all deleted or dead-lettered leave nothing to return: read on, within the wait.
        for (;;) {
          let events: ReceivedEvent[];
          let entries: StreamEntry[];
          try {
            entries = await readEntries(max, Math.max(0, deadline - Date.now()));
            events = await received(entries);
          } finally {
            if (pendingReadInFlight) pendingReadProcessed();
          }
          if (events.length > 0 || entries.length === 0 || closed || readingStopped || Date.now() >= deadline) return events;
        }
      } catch (error) {
        if (closed || readingStopped) return [];
        if (isReplyError(error, 'NOGROUP')) {
          // The stream or the group was deleted: start over with a new group (it reads from the start).
          await ensureGroup();
          return [];
        }
        // Connection lost: give it the rest of the wait to come back, so that a caller retrying at once does not spin.
        if (await whenReady(command, Math.max(0, deadline - Date.now()))) await whenReady(reader, Math.max(0, deadline - Date.now()));
        const reason = /enableOfflineQueue/.test(errorMessage(error)) ? 'not connected (reconnecting)' : errorMessage(error);
        throw new Error(`reading ${key} from Redis at ${options.address} failed: ${reason}`);
      }
    },
    // Released before Redis is told: if that fails for good, the entries stay pending and are claimed (or reread) again.
    async ack(events) {
      if (events.length === 0) return;
      release(events.map((event) => event.deliveryId));
      await command.xack(key, group, ...events.map((event) => event.deliveryId));
    },
    async deadLetter(events, reason) {
      release(events.map((event) => event.deliveryId));
      await deadLetterEntries(
        events.map((received) => ({ id: received.deliveryId, data: received.json ?? JSON.stringify(received.event), reason })),
      );
    },
    async lag() {
      try {
        const groups = ((await command.xinfo('GROUPS', key)) as unknown[][]).map(fieldsOf);
        const info = groups.find((candidate) => candidate.name === group);
        if (info === undefined) return undefined;
        if (typeof info.lag === 'number') return info.lag;
        // Redis < 7, or a lag Redis cannot tell (entries deleted): exact only when the group is behind the whole stream.
        const stream = fieldsOf((await command.xinfo('STREAM', key)) as unknown[]);
        const length = Number(stream.length);
        const first = Array.isArray(stream['first-entry']) ? String(stream['first-entry'][0]) : undefined;
        if (length === 0) return 0;
        return first !== undefined && compareIds(String(info['last-delivered-id']), first) < 0 ? length : undefined;
      } catch {
        return undefined;
      }
    },
    // The reader connection only carries the blocking reads: dropping it ends the one under way. What
    // that read had taken stays pending for this consumer (reread on restart, or claimed).
    stopReading() {
      readingStopped = true;
      reader.disconnect();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(keepHeld);
      reader.disconnect(); // unblocks a pending read, which then resolves []
      await command.quit().catch(() => command.disconnect());
    },
  };
}
