import type { DispatcherSettings } from '../../config/index.js';
import { connectLiveEventSource, openDeadLetterFile, type DeadLetterWriter } from '../../dispatcher/index.js';
import type { EventSource } from '../../events/index.js';
import { EXIT } from '../exit-codes.js';
import { manageClientFor, type ManageGlobalOptions } from '../manage/context.js';
import { DispatcherExitError } from './dispatcher-exit-error.js';

/** An event source, what the server dropped for it (live stream), and which of its errors end the dispatcher. */
export interface ChosenSource {
  readonly source: EventSource;
  readonly serverDropped?: () => number;
  readonly isFatalSourceError?: (error: unknown) => boolean;
}

async function deadLetterFile(path: string | undefined): Promise<DeadLetterWriter | undefined> {
  if (path === undefined) return undefined;
  try {
    return await openDeadLetterFile(path);
  } catch (error) {
    throw new DispatcherExitError(`cannot open the dead-letter file ${path}: ${(error as Error).message}`, EXIT.general, { cause: error });
  }
}

/** A consumer of the Redis stream the server adds events to (REDIS_* settings). */
async function openRedisStreams(settings: DispatcherSettings): Promise<ChosenSource> {
  const { createRedisStreamsSource, redisStreamsOptions } = await import('../../events/index.js');
  try {
    return { source: await createRedisStreamsSource(redisStreamsOptions(settings.events.redisStreams)) };
  } catch (error) {
    if ((error as Error).name === 'RedisUnreachableError') throw new DispatcherExitError((error as Error).message, EXIT.network, { cause: error });
    throw error;
  }
}

/** The live stream of a running server; a refused management token ends the dispatcher, even on reconnection. */
async function openLiveStream(
  settings: DispatcherSettings,
  connection: Pick<ManageGlobalOptions, 'manageApiBaseUrl' | 'managementToken'>,
  onNotice: (message: string) => void,
): Promise<ChosenSource> {
  const client = manageClientFor(connection);
  const deadLetter = await deadLetterFile(settings.deadLetterFile);
  try {
    const source = await connectLiveEventSource({
      open: client.openEventStream,
      description: client.baseUrl,
      bufferSize: settings.bufferSize,
      deadLetter,
      onNotice,
    });
    return { source, serverDropped: source.serverDropped, isFatalSourceError: (error) => (error as Error).name === 'ManageApiError' };
  } catch (error) {
    await deadLetter?.close();
    throw error;
  }
}

/**
 * The one place where the dispatcher's event source is chosen, by LLM_PROXY_EVENT_BUS:
 * `redis-streams` reads a Redis Streams consumer group; `in-memory` (the default) attaches to a
 * running server's live stream. Connects before it returns, so that unreachable Redis or server
 * (exit 2) and a refused token (exit 3) end the command at once.
 */
export function openEventSource(
  settings: DispatcherSettings,
  connection: Pick<ManageGlobalOptions, 'manageApiBaseUrl' | 'managementToken'>,
  onNotice: (message: string) => void,
): Promise<ChosenSource> {
  return settings.events.backend === 'redis-streams' ? openRedisStreams(settings) : openLiveStream(settings, connection, onNotice);
}
