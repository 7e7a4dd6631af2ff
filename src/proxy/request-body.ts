import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.js';

/**
 * Reads request bodies into memory, bounded in size and in pace: a body must end, or deliver at
 * least MIN_BYTES_PER_WINDOW, within every `windowMs` (CLIENT_BODY_TIMEOUT), so a client that
 * trickles or stops mid-body is cut (408 body_timeout) instead of holding a socket for minutes.
 * Checked by one sweep for all reads in progress, not by a timer per request.
 */
export interface BodyReader {
  /**
   * Reads the whole body, then calls `done` with it, or with request_too_large once it outgrows
   * `limit` (after reading and discarding the rest, so the client is still listening for the
   * 413), body_timeout, or canceled. A callback, not a promise: this runs for most requests.
   */
  read(req: IncomingMessage, limit: number, done: (error: ProxyError | undefined, body: Buffer | undefined) => void): void;
  /**
   * Reads and discards what is left of a body the proxy refused, so the client can read the
   * refusal instead of a reset; resolves false (and closes the connection) past `maxBytes`.
   */
  drain(req: IncomingMessage, maxBytes: number): Promise<boolean>;
  close(): void;
}

/** Beyond this, a refused body is not read to its end: the connection is closed instead. */
export const MAX_DRAIN_BYTES = 1024 * 1024 * 1024;

/** The least a body must deliver per window: 64 KiB per 30 s is about 2 KiB/s. */
export const MIN_BYTES_PER_WINDOW = 64 * 1024;

type Done = (error: ProxyError | undefined, body: Buffer | undefined) => void;

/**
 * One body being read: its chunks up to `keepBytes` (none when draining), its pace, and the
 * listeners it put on the request (arrow fields, so that they can be taken off again).
 */
class BodyRead {
  bytes = 0;
  windowStartMs = Date.now();
  bytesAtWindowStart = 0;
  private readonly chunks: Buffer[] = [];
  private overflowed = false;
  private settled = false;

  constructor(
    private readonly req: IncomingMessage,
    /** Chunks are kept up to this many bytes, past it the body is read on, then refused; none are kept when undefined (draining). */
    private readonly keepBytes: number | undefined,
    /** Past this many bytes the read stops at once (request_too_large). */
    private readonly maxBytes: number,
    private readonly reads: Set<BodyRead>,
    private readonly done: Done,
  ) {
    reads.add(this);
    // on(), not once(): each once() wraps its listener in a new function. `settled` makes them one-shot.
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('aborted', this.onAborted);
    req.on('error', this.onAborted);
    req.resume(); // also after an unpipe(), which leaves the stream paused
  }

  fail(error: ProxyError): void {
    this.settle(error, undefined);
  }

  private settle(error: ProxyError | undefined, body: Buffer | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.reads.delete(this);
    // A body read to its end emits nothing more that matters: its listeners stay, settled. One
    // cut short may be read on (drained), so they come off.
    if (error !== undefined) {
      this.req.removeListener('data', this.onData);
      this.req.removeListener('end', this.onEnd);
      this.req.removeListener('aborted', this.onAborted);
      this.req.removeListener('error', this.onAborted);
    }
    this.done(error, body);
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.settled) return;
    this.bytes += chunk.length;
    if (this.keepBytes !== undefined) {
      if (this.bytes <= this.keepBytes) this.chunks.push(chunk);
      else this.overflowed = true;
    }
    if (this.bytes > this.maxBytes) this.fail(new ProxyError('request_too_large'));
  };

  private readonly onEnd = (): void => {
    if (this.overflowed) this.settle(new ProxyError('request_too_large'), undefined);
    else this.settle(undefined, this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks));
  };

  private readonly onAborted = (): void => {
    this.fail(new ProxyError('canceled'));
  };
}

export function createBodyReader(windowMs: number): BodyReader {
  const reads = new Set<BodyRead>();
  const sweepMs = Math.max(50, Math.min(1000, Math.floor(windowMs / 4)));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const read of reads) {
      if (now - read.windowStartMs < windowMs) continue;
      if (read.bytes - read.bytesAtWindowStart < MIN_BYTES_PER_WINDOW) {
        read.fail(new ProxyError('body_timeout'));
      } else {
        read.windowStartMs = now;
        read.bytesAtWindowStart = read.bytes;
      }
    }
  }, sweepMs);
  timer.unref();

  return {
    read(req, limit, done) {
      new BodyRead(req, limit, limit + MAX_DRAIN_BYTES, reads, done);
    },
    drain(req, maxBytes) {
      if (req.complete) return Promise.resolve(true);
      return new Promise((resolve) => {
        new BodyRead(req, undefined, maxBytes, reads, (error) => resolve(error === undefined && req.complete));
      });
    },
    close: () => clearInterval(timer),
  };
}
