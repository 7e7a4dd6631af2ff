import { open, type FileHandle } from 'node:fs/promises';
import type { ReceivedEvent } from '../events/index.js';

/** Where a source without a dead-letter stream of its own keeps what the sink refused. */
export interface DeadLetterWriter {
  readonly path: string;
  write(events: readonly ReceivedEvent[], reason: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Appends one JSON line per refused event, `{"dead_lettered_at","reason","event"}`, to `path`
 * (mode 0600, fsync per call), so that they can be looked at and replayed by hand.
 */
export async function openDeadLetterFile(path: string): Promise<DeadLetterWriter> {
  const handle: FileHandle = await open(path, 'a', 0o600);
  return {
    path,
    async write(events, reason) {
      const at = new Date().toISOString();
      let text = '';
      for (const { event } of events) text += JSON.stringify({ dead_lettered_at: at, reason, event }) + '\n';
      await handle.writeFile(text);
      await handle.sync();
    },
    close: () => handle.close(),
  };
}
