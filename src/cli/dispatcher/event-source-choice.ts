import type { DispatcherSettings } from '../../config/index.js';
import { connectLiveEventSource, openDeadLetterFile, type DeadLetterWriter } from '../../dispatcher/index.js';
import type { EventSource } from '../../events/index.js';
import { EXIT } from '../exit-codes.js';
import { UsageError } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from '../manage/context.js';
import { DispatcherExitError } from './dispatcher-exit-error.js';

/** An event source, and what the server dropped for it when it is a live stream. */
export interface ChosenSource {
  readonly source: EventSource;
  readonly serverDropped?: () => number;
}

async function deadLetterFile(path: string | undefined): Promise<DeadLetterWriter | undefined> {
  if (path === undefined) return undefined;
  try {
    return await openDeadLetterFile(path);
  } catch (error) {
    throw new DispatcherExitError(`cannot open the dead-letter file ${path}: ${(error as Error).message}`, EXIT.general, { cause: error });
  }
}

/**
 * The one place where the dispatcher's event source is chosen, by LLM_PROXY_EVENT_BUS:
 * `redis-streams` reads a Redis Streams consumer group; `in-memory` (the default) attaches to a
 * running server's live stream. Connects before it returns, so that an unreachable server or
 * a refused token ends the command at once (exit 2 or 3).
 */
export async function openEventSource(
  settings: DispatcherSettings,
  connection: Pick<ManageGlobalOptions, 'manageApiBaseUrl' | 'managementToken'>,
  onNotice: (message: string) => void,
): Promise<ChosenSource> {
  if (settings.bus === 'redis-streams') {
    // Redis Streams: to be wired here once src/events/redis-streams-source.ts is in this build,
    // as `{ source: await createRedisStreamsSource(<its settings from src/config>) }`.
    throw new UsageError('redis-streams source not available in this build');
  }
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
    return { source, serverDropped: source.serverDropped };
  } catch (error) {
    await deadLetter?.close();
    throw error;
  }
}
