import type { LoadProgress } from '../../benchmark/index.js';
import type { Io } from '../io.js';

const WIDTH = 30;
const CLEAR_LINE = '\r\x1b[K';

export interface ProgressBar {
  readonly update: (progress: LoadProgress) => void;
  /** Erases the bar, so the report starts on a clean line. */
  readonly finish: () => void;
}

/**
 * A one-line bar on a terminal: share of requests done, or of the duration elapsed. It is cut to
 * the terminal's width (a line that wraps could not be redrawn in place), and says when sending
 * is over and only the requests in flight are awaited.
 */
export function createProgressBar(stream: Io['stderr'], limit: { requests?: number; durationMs?: number }): ProgressBar {
  return {
    update({ sent, completed, failed, elapsedMs }) {
      const share = limit.durationMs !== undefined ? elapsedMs / limit.durationMs : completed / (limit.requests ?? 1);
      const filled = Math.round(Math.min(Math.max(share, 0), 1) * WIDTH);
      const done = limit.durationMs !== undefined ? `${completed} done` : `${completed}/${limit.requests ?? 1} done`;
      const inFlight = sent - completed;
      const isSendingOver = limit.durationMs !== undefined ? elapsedMs >= limit.durationMs : sent >= (limit.requests ?? 1);
      const waiting = isSendingOver && inFlight > 0 ? `sending over, waiting for ${inFlight} in flight` : `${inFlight} in flight`;
      const line = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}, ${waiting}, ${failed} failed, ${(elapsedMs / 1000).toFixed(1)}s`;
      // One column short of the width: a character in the last column makes some terminals wrap.
      const columns = stream.columns ?? Infinity;
      stream.write(CLEAR_LINE + (line.length < columns ? line : line.slice(0, Math.max(columns - 1, 0))));
    },
    finish() {
      stream.write(CLEAR_LINE);
    },
  };
}
