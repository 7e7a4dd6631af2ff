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
   * The whole body. Rejects with request_too_large once it outgrows `limit` (after reading and
   * discarding the rest, so the client is still listening for the 413), or body_timeout.
   */
  read(req: IncomingMessage, limit: number): Promise<Buffer>;
  /**
   * Reads and discards what is left of a body the proxy refused, so the client can read the
   * refusal instead of a reset; resolves false (and closes the connection) past `maxBytes`.
   */
  drain(req: IncomingMessage, maxBytes: number): Promise<boolean>;
  close(): void;
}

interface ReadInProgress {
  readonly req: IncomingMessage;
  bytes: number;
  windowStartMs: number;
  bytesAtWindowStart: number;
  readonly fail: (error: ProxyError) => void;
}

/** Beyond this, a refused body is not read to its end: the connection is closed instead. */
export const MAX_DRAIN_BYTES = 1024 * 1024 * 1024;

/** The least a body must deliver per window: 64 KiB per 30 s is about 2 KiB/s. */
export const MIN_BYTES_PER_WINDOW = 64 * 1024;

export function createBodyReader(windowMs: number): BodyReader {
  const reads = new Set<ReadInProgress>();
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

  /** Feeds every chunk to `onChunk` until the body ends; rejects on silence or a broken connection. */
  function consume(req: IncomingMessage, onChunk: (chunk: Buffer, read: ReadInProgress) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const read: ReadInProgress = {
        req,
        bytes: 0,
        windowStartMs: Date.now(),
        bytesAtWindowStart: 0,
        fail(error) {
          finish();
          reject(error);
        },
      };
      function finish(): void {
        reads.delete(read);
        req.removeListener('data', onData);
        req.removeListener('end', onEnd);
        req.removeListener('aborted', onAborted);
        req.removeListener('error', onAborted);
      }
      function onData(chunk: Buffer): void {
        read.bytes += chunk.length;
        onChunk(chunk, read);
      }
      function onEnd(): void {
        finish();
        resolve();
      }
      function onAborted(): void {
        finish();
        reject(new ProxyError('canceled'));
      }
      reads.add(read);
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('aborted', onAborted);
      req.once('error', onAborted);
      req.resume(); // also after an unpipe(), which leaves the stream paused
    });
  }

  async function drain(req: IncomingMessage, maxBytes: number): Promise<boolean> {
    if (req.complete) return true;
    let tooMuch = false;
    await consume(req, (_chunk, read) => {
      if (read.bytes > maxBytes && !tooMuch) {
        tooMuch = true;
        read.fail(new ProxyError('request_too_large'));
      }
    }).catch(() => undefined);
    return !tooMuch && req.complete;
  }

  return {
    async read(req, limit) {
      const chunks: Buffer[] = [];
      let overflow = false;
      await consume(req, (chunk, read) => {
        if (read.bytes <= limit) chunks.push(chunk);
        else if (!overflow) overflow = true;
        else if (read.bytes > limit + MAX_DRAIN_BYTES) read.fail(new ProxyError('request_too_large'));
      });
      if (overflow) throw new ProxyError('request_too_large');
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    },
    drain,
    close: () => clearInterval(timer),
  };
}
