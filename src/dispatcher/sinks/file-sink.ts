import { open, type FileHandle } from 'node:fs/promises';
import type { ProxyEvent } from '../../events/index.js';
import { SinkUnreachableError, type Sink } from '../sink.js';
import { eventJson } from './event-json.js';

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** One JSON line per event, as it is (schema v1); `json` by position: the JSON each arrived as, if kept. */
export function eventLines(events: readonly ProxyEvent[], json: readonly (string | undefined)[] = []): string {
  let text = '';
  for (let index = 0; index < events.length; index += 1) text += eventJson(events[index] as ProxyEvent, json[index]) + '\n';
  return text;
}

/**
 * True when the file ends inside a line: a write cut short (the dispatcher was killed between the
 * chunks of a large batch, or the disk filled up). That batch was not acknowledged and is sent again.
 */
async function endsMidLine(file: FileHandle): Promise<boolean> {
  const { size } = await file.stat();
  if (size === 0) return false;
  const { buffer, bytesRead } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
  return bytesRead === 1 && buffer[0] !== 0x0a;
}

/**
 * Appends each event as one JSON line (the v1 event as is) to `path`, and fsyncs once per batch
 * so that an acknowledged event is on disk. The file is created with mode 0600 (events hold
 * excerpts of prompts and answers). reopen() (SIGHUP) starts a new file after logrotate moved it.
 * A file left ending mid-line gets a newline first: the cut line stays one broken line of its own
 * instead of spoiling the first event appended after it.
 */
export function createFileSink(path: string): Sink {
  let handle: FileHandle | undefined;
  /** The open file ends mid-line: the next write starts with a newline. */
  let cutLine = false;
  // Writes and reopens one after the other: a SIGHUP arrives whenever it likes.
  let chain: Promise<unknown> = Promise.resolve();
  function serialized<T>(step: () => Promise<T>): Promise<T> {
    const next = chain.then(step);
    chain = next.catch(() => undefined);
    return next;
  }

  async function currentHandle(): Promise<FileHandle> {
    if (handle !== undefined) return handle;
    const opened = await open(path, 'a+', 0o600);
    try {
      cutLine = await endsMidLine(opened);
    } catch (error) {
      await opened.close().catch(() => undefined);
      throw error;
    }
    handle = opened;
    return opened;
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
    send(events, _signal, json) {
      const text = eventLines(events, json);
      return serialized(async () => {
        try {
          const file = await currentHandle();
          if (cutLine) await file.write('\n');
          cutLine = false;
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
