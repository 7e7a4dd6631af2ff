import type { LoadProgress } from '../../benchmark/index.js';
import type { Io } from '../io.js';

const WIDTH = 30;
const CLEAR_LINE = '\r\x1b[K';

export interface ProgressBar {
  readonly update: (progress: LoadProgress) => void;
  /** Erases the bar, so the report starts on a clean line. */
  readonly finish: () => void;
}

/** A one-line bar on a terminal: share of requests done, or of the duration elapsed. */
export function createProgressBar(stream: Io['stderr'], limit: { requests?: number; durationMs?: number }): ProgressBar {
  return {
    update({ sent, completed, failed, elapsedMs }) {
      const share = limit.durationMs !== undefined ? elapsedMs / limit.durationMs : completed / (limit.requests ?? 1);
      const filled = Math.round(Math.min(Math.max(share, 0), 1) * WIDTH);
      const done = limit.durationMs !== undefined ? `${completed} done` : `${completed}/${limit.requests ?? 1} done`;
      stream.write(
        `${CLEAR_LINE}[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}, ${sent - completed} in flight, ${failed} failed, ${(elapsedMs / 1000).toFixed(1)}s`,
      );
    },
    finish() {
      stream.write(CLEAR_LINE);
    },
  };
}
