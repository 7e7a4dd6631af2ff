import type { DispatcherStats } from '../../dispatcher/index.js';
import type { Io } from '../io.js';

const CLEAR_LINE = '\r\x1b[K';
const count = (value: number) => value.toLocaleString('en-US');
const plural = (value: number, one: string, many: string) => `${count(value)} ${value === 1 ? one : many}`;

export interface StatusFigures {
  readonly stats: DispatcherStats;
  readonly eventsPerSecond: number;
  /** Events waiting in the source for this consumer; undefined when the source cannot tell. */
  readonly lag: number | undefined;
  /** Live stream: events the server dropped because we read too slowly. */
  readonly serverDropped: number | undefined;
}

/** `shipped 12,345 events · 1,204/s · 0 retries · 0 dead-lettered · lag 17` */
export function statusText({ stats, eventsPerSecond, lag, serverDropped }: StatusFigures): string {
  const parts = [
    `shipped ${plural(stats.delivered, 'event', 'events')}`,
    `${count(Math.round(eventsPerSecond))}/s`,
    plural(stats.retried, 'retry', 'retries'),
    `${count(stats.deadLettered)} dead-lettered`,
  ];
  if (lag !== undefined) parts.push(`lag ${count(lag)}`);
  if (serverDropped !== undefined && serverDropped > 0) parts.push(`${count(serverDropped)} dropped by the server`);
  return parts.join(' · ');
}

/** The line printed when the dispatcher stops. */
export function summaryText(summary: DispatcherStats, elapsedMs: number, serverDropped: number | undefined): string {
  const parts = [
    `${plural(summary.delivered, 'event', 'events')} delivered in ${plural(summary.batches, 'batch', 'batches')} over ${(elapsedMs / 1000).toFixed(1)}s`,
    plural(summary.retried, 'retry', 'retries'),
    `${count(summary.deadLettered)} dead-lettered`,
  ];
  if (summary.abandoned > 0) parts.push(`${count(summary.abandoned)} read but not delivered`);
  if (serverDropped !== undefined && serverDropped > 0) parts.push(`${count(serverDropped)} dropped by the server (read too slowly)`);
  return `dispatcher stopped: ${parts.join(', ')}`;
}

/** One status line redrawn in place on a terminal; messages print above it. Nothing is drawn elsewhere. */
export interface StatusLine {
  show(text: string): void;
  /** A message on a line of its own (the status line is redrawn at the next show). */
  message(text: string): void;
  clear(): void;
}

export function createStatusLine(stream: Io['stderr']): StatusLine {
  const isTerminal = stream.isTTY === true;
  let isShown = false;
  return {
    show(text) {
      if (!isTerminal) return;
      // One column short of the width: a character in the last column makes some terminals wrap.
      const columns = stream.columns ?? Infinity;
      stream.write(CLEAR_LINE + (text.length < columns ? text : text.slice(0, Math.max(columns - 1, 0))));
      isShown = true;
    },
    message(text) {
      stream.write((isShown ? CLEAR_LINE : '') + text + '\n');
      isShown = false;
    },
    clear() {
      if (isShown) stream.write(CLEAR_LINE);
      isShown = false;
    },
  };
}
