/**
 * Text lines gathered for one write, encoded into a buffer outside the JavaScript heap as they
 * come. Kept as strings for the few milliseconds of a batch, the lines of a busy server outlived a
 * scavenge or two and were copied, then promoted, by the garbage collector: with the event log on,
 * that was most of its cost. As bytes they cost the collector nothing.
 */
export interface LineBatch {
  /**
   * Adds one line, given without its newline (the batch adds it: a line built as text + "\n"
   * would be a two-part string that V8 copies into one before it can be encoded).
   */
  add(line: string): void;
  /** Writes what is gathered now, if anything. */
  flush(): void;
}

export interface LineBatchOptions {
  /** Takes each batch and its number of lines: the buffer is its own (a copy), to keep or hand to an asynchronous write. */
  readonly write: (chunk: Buffer, lines: number) => void;
  /** Size of the buffer: a batch is written when the next line would not fit. */
  readonly maxBytes: number;
  /** How long a batch gathers lines before it is written. */
  readonly intervalMs: number;
}

const NEWLINE = 0x0a;

export function createLineBatch({ write, maxBytes, intervalMs }: LineBatchOptions): LineBatch {
  const buffer = Buffer.allocUnsafeSlow(maxBytes);
  let used = 0;
  let lines = 0;
  let flushScheduled = false;

  function flush(): void {
    if (used === 0) return;
    const chunk = Buffer.allocUnsafeSlow(used);
    buffer.copy(chunk, 0, 0, used);
    const count = lines;
    used = 0;
    lines = 0;
    write(chunk, count);
  }

  function scheduledFlush(): void {
    flushScheduled = false;
    flush();
  }

  return {
    add(line) {
      // A UTF-16 unit is at most 3 bytes of UTF-8: the exact length is needed only near the end.
      if (line.length * 3 + 1 > maxBytes - used) {
        const bytes = Buffer.byteLength(line) + 1;
        if (bytes > maxBytes - used) flush();
        if (bytes > maxBytes) {
          write(Buffer.from(`${line}\n`), 1); // a line the buffer cannot hold goes out on its own
          return;
        }
      }
      used += buffer.write(line, used);
      buffer[used++] = NEWLINE;
      lines += 1;
      if (!flushScheduled) {
        flushScheduled = true;
        setTimeout(scheduledFlush, intervalMs).unref();
      }
    },
    flush,
  };
}
