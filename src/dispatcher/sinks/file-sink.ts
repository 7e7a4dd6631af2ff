import { open, type FileHandle } from 'node:fs/promises';
import type { ProxyEvent } from '../../events/index.js';
import { SinkUnreachableError, type Sink } from '../sink.js';

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** One JSON line per event, as it is (schema v1). */
export function eventLines(events: readonly ProxyEvent[]): string {
  let text = '';
  for (const event of events) text += JSON.stringify(event) + '\n';
  return text;
}

/**
 * Appends each event as one JSON line (the v1 event as is) to `path`, and fsyncs once per batch
 * so that an acknowledged event is on disk. The file is created with mode 0600 (events hold
 * excerpts of prompts and answers). reopen() (SIGHUP) starts a new file after logrotate moved it.
 */
export function createFileSink(path: string): Sink {
  let handle: FileHandle | undefined;
  // Writes and reopens one after the other: a SIGHUP arrives whenever it likes.
  let chain: Promise<unknown> = Promise.resolve();
  function serialized<T>(step: () => Promise<T>): Promise<T> {
    const next = chain.then(step);
    chain = next.catch(() => undefined);
    return next;
  }

  async function currentHandle(): Promise<FileHandle> {
    handle ??= await open(path, 'a', 0o600);
    return handle;
  }

  async function closeHandle(): Promise<void> {
    const closing = handle;
    handle = undefined;
    await closing?.close().catch(() => undefined);
  }

  return {
    description: `file ${path}`,
    async open() {
      try {
        await serialized(currentHandle);
      } catch (error) {
        throw new SinkUnreachableError(`cannot open ${path} for appending: ${reasonOf(error)}`, { cause: error });
      }
    },
    send(events) {
      const text = eventLines(events);
      return serialized(async () => {
        try {
          const file = await currentHandle();
          await file.writeFile(text);
          await file.sync();
        } catch (error) {
          // The next attempt starts from a fresh handle (the file may have been replaced or its disk remounted).
          await closeHandle();
          throw new Error(`cannot write to ${path}: ${reasonOf(error)}`, { cause: error });
        }
      });
    },
    reopen() {
      return serialized(async () => {
        await closeHandle();
        await currentHandle();
      });
    },
    close() {
      return serialized(closeHandle);
    },
  };
}
