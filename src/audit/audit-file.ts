import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirectory } from '../files/make-directory.js';

/** AUDIT_LOG_FILE cannot be opened: the server does not start (the message says why and what to do). */
export class AuditLogFileError extends Error {
  override readonly name = 'AuditLogFileError';
}

/** An append-only JSON Lines file, written through a stream: appending never waits on the disk. */
export interface AuditFile {
  readonly path: string;
  /** Queues one line (without its newline). */
  append(line: string): void;
  /** Resolves once every line appended so far has been handed to the operating system. */
  flush(): Promise<void>;
  /** Lines not written: the disk failed, or more than maxBufferedBytes waited for it. */
  readonly droppedCount: number;
  /**
   * Continues in a new file by the same path (logrotate moved this one away, then sent SIGHUP);
   * the lines queued so far still go to the moved file. When the path cannot be opened, the
   * failure is reported (onError) and the moved file goes on receiving the lines.
   */
  reopen(): void;
  /** Writes what is queued and closes the file. */
  close(): Promise<void>;
}

export interface AuditFileOptions {
  /** Create missing parent directories (AUDIT_CREATE_DIR). */
  readonly createDir: boolean;
  /** Bytes queued for a slow disk before lines are dropped (and counted). Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** The file failed while the server runs (disk full, removed mount): reported once. */
  readonly onError?: (error: unknown) => void;
}

const PRIVATE_FILE = 0o600;
const PRIVATE_DIRECTORY = 0o700;

function problemOf(error: unknown, createDir: boolean): string {
  const { code, message } = error as NodeJS.ErrnoException;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
    case 'EEXIST': // mkdir met a file where a directory should be
      return 'a part of its path is a file, not a directory';
    case 'ENOENT':
      return createDir ? 'its directory cannot be created' : 'its directory does not exist (AUDIT_CREATE_DIR=false)';
    case 'EROFS':
      return 'read-only file system';
    default:
      return message;
  }
}

/** Opens the path for appending (mode 0600), its directories first when asked; throws AuditLogFileError. */
function openForAppend(path: string, createDir: boolean): number {
  try {
    if (createDir) makeDirectory(dirname(path), PRIVATE_DIRECTORY);
    return openSync(path, 'a', PRIVATE_FILE);
  } catch (error) {
    throw new AuditLogFileError(
      `cannot open the audit log ${path} (AUDIT_LOG_FILE): ${problemOf(error, createDir)}. ` +
        'Choose a writable file with AUDIT_LOG_FILE, or set AUDIT_LOG_FILE= (empty) to keep the audit in the database only.',
      { cause: error },
    );
  }
}

/**
 * Opens (creates with mode 0600, or appends to) the audit file; throws AuditLogFileError naming
 * the path and the fix when it cannot, so that a misconfigured audit stops the start instead of
 * losing records.
 */
export function openAuditFile(path: string, options: AuditFileOptions): AuditFile {
  const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  let hasFailed = false;
  let droppedCount = 0;

  function streamOf(fd: number): { stream: WriteStream; closed: Promise<void> } {
    const opened = createWriteStream(path, { fd });
    opened.on('error', (error) => {
      if (opened !== stream) return; // a file given up by reopen(): its failure is no longer ours
      if (!hasFailed) options.onError?.(error);
      hasFailed = true;
    });
    return { stream: opened, closed: new Promise<void>((resolve) => opened.once('close', resolve)) };
  }

  let { stream, closed } = streamOf(openForAppend(path, options.createDir));

  return {
    path,
    append(line) {
      if (hasFailed || stream.writableEnded || stream.writableLength > maxBufferedBytes) {
        droppedCount += 1;
        return;
      }
      stream.write(line + '\n');
    },
    flush() {
      if (hasFailed || stream.writableEnded || stream.writableLength === 0) return Promise.resolve();
      // Writes complete in order: the callback of an empty write comes after every earlier line.
      return new Promise((resolve) => stream.write('', () => resolve()));
    },
    reopen() {
      if (stream.writableEnded) return;
      let fd: number;
      try {
        fd = openForAppend(path, options.createDir);
      } catch (error) {
        options.onError?.(error);
        return; // the moved file keeps receiving the lines: better than none
      }
      const previous = stream;
      ({ stream, closed } = streamOf(fd));
      hasFailed = false;
      previous.end(); // what it still holds goes to the moved file, where it belongs
    },
    get droppedCount() {
      return droppedCount;
    },
    async close() {
      if (!stream.writableEnded) stream.end();
      await closed;
    },
  };
}
