import { openSync, closeSync, createWriteStream, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { EventBus } from './in-memory-bus.js';
import type { ProxyEvent } from './proxy-event.js';
import { createLineBatch } from '../files/line-batch.js';
import { makeDirectory } from '../files/make-directory.js';

/** Beyond this many bytes waiting for the disk, lines are dropped (and counted), not queued. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/**
 * Lines are gathered for this long and written at once: one write per event costs a thread-pool
 * round trip each, far more than the line. Bounds what a kill -9 loses of the file's lines.
 */
const FLUSH_INTERVAL_MS = 20;
/** A batch is written sooner when its lines reach this size. */
const BATCH_BYTES = 256 * 1024;

export interface FileEventLog {
  /** Closes and reopens the file by its path: after logrotate moved it away (SIGHUP). */
  reopen(): void;
  stats(): { readonly written: number; readonly dropped: number };
  /** Writes what is pending and closes the file. */
  close(): Promise<void>;
}

/** Opens (creating it and its directory when missing) to check it is writable before the server starts. */
function checkWritable(path: string): void {
  try {
    makeDirectory(dirname(path));
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot open FILE_EVENT_LOG ${path} for appending (${reason}): choose a writable path or unset FILE_EVENT_LOG`);
  }
}

/**
 * FILE_EVENT_LOG: every event of the bus appended to a file as one JSON line (the schema of
 * proxy-event.ts), the lines of each 20 ms in one write. The request path never waits on
 * the disk: a disk slower than the traffic makes the log drop lines (counted) rather than grow.
 */
export function openFileEventLog(path: string, bus: EventBus, options: { onError?: (error: unknown) => void } = {}): FileEventLog {
  checkWritable(path);
  let stream: WriteStream = open();
  let written = 0;
  let dropped = 0;

  function open(): WriteStream {
    const opened = createWriteStream(path, { flags: 'a', mode: 0o600 });
    opened.on('error', (error) => options.onError?.(error));
    return opened;
  }

  const batch = createLineBatch({
    maxBytes: BATCH_BYTES,
    intervalMs: FLUSH_INTERVAL_MS,
    write(chunk, lines) {
      if (stream.writableLength > MAX_PENDING_BYTES) {
        dropped += lines;
        return;
      }
      stream.write(chunk);
      written += lines;
    },
  });
  const unsubscribe = bus.subscribe((event: ProxyEvent) => batch.add(JSON.stringify(event)));

  return {
    reopen() {
      batch.flush();
      const previous = stream;
      stream = open();
      previous.end();
    },
    stats: () => ({ written, dropped }),
    async close() {
      unsubscribe();
      batch.flush();
      await new Promise<void>((resolve) => stream.end(resolve));
    },
  };
}
