import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReplayOptions {
  /** paced: keep the original gaps between chunks, each capped at maxGapMs; fast: all at once. */
  readonly mode: 'paced' | 'fast';
  readonly maxGapMs: number;
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/**
 * Writes a stored body to the client and ends it. Event streams may be paced like the original;
 * backpressure is respected, and a client that leaves ends the replay.
 */
export async function replayBody(out: Writable, chunks: readonly Buffer[], gapsMs: readonly number[], options: ReplayOptions): Promise<void> {
  if (options.mode === 'fast' || chunks.length <= 1) {
    for (let i = 0; i < chunks.length - 1; i++) out.write(chunks[i]);
    out.end(chunks[chunks.length - 1]);
    return;
  }
  for (let i = 0; i < chunks.length; i++) {
    const gap = Math.min(gapsMs[i] ?? 0, options.maxGapMs);
    if (gap > 0) await sleep(gap);
    if (out.destroyed) return;
    if (!out.write(chunks[i])) await drained(out);
  }
  if (!out.destroyed) out.end();
}
