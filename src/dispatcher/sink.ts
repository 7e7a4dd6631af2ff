import type { ProxyEvent } from '../events/index.js';

/** Where the dispatcher ships events: a file, Lunary, Helicone, a webhook. */
export interface Sink {
  /** What and where, for messages ("file ./events.jsonl", "webhook https://…"); never a secret. */
  readonly description: string;
  /** Checks, cheaply, that the sink can be used at all (the file opens, the host answers); throws SinkUnreachableError. */
  open(): Promise<void>;
  /**
   * Ships a batch, in order; throws SinkError (or anything else: then retried). `json` holds, by
   * position, each event's JSON as it arrived when the source kept it (see eventJson).
   */
  send(events: readonly ProxyEvent[], signal: AbortSignal, json?: readonly (string | undefined)[]): Promise<void>;
  /** Reopens what the sink writes to (SIGHUP: logrotate moved the file). */
  reopen?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How a send failed: `retryable` (network, timeout, 5xx, 429: try again later), `permanent`
 * (the sink refuses these events for good: dead-letter them at once) or `refused` (the sink
 * refuses our credentials: nothing will get through, the dispatcher stops).
 */
export type SinkFailure = 'retryable' | 'permanent' | 'refused';

export class SinkError extends Error {
  override readonly name = 'SinkError';
  readonly failure: SinkFailure;
  /** Leading events of the batch the sink took before failing (sinks that send one event at a time). */
  readonly delivered: number;
  /** Events the failure is about, from `delivered` on; undefined: all the rest of the batch. */
  readonly affected: number | undefined;
  /** HTTP status of the answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    options: { failure: SinkFailure; delivered?: number; affected?: number; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.failure = options.failure;
    this.delivered = options.delivered ?? 0;
    this.affected = options.affected;
    this.status = options.status;
  }
}

/** The sink cannot be used at all at start (the file cannot be opened, the host cannot be reached). */
export class SinkUnreachableError extends Error {
  override readonly name = 'SinkUnreachableError';
}
