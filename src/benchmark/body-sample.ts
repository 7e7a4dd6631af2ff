import type { IncomingHttpHeaders } from 'node:http';
import type { ResponseSample } from './types.js';

/** A response kept for --debug: its headers and a bounded copy of the start of its body. */
export class BodySample {
  readonly #chunks: Buffer[] = [];
  #keptBytes = 0;
  #bodyBytes = 0;

  constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    readonly maxBytes: number,
  ) {}

  add(chunk: Buffer): void {
    this.#bodyBytes += chunk.length;
    const room = this.maxBytes - this.#keptBytes;
    if (room <= 0) return;
    // Copy: undici may reuse the memory behind a chunk once the callback returns.
    const kept = Buffer.from(chunk.subarray(0, room));
    this.#chunks.push(kept);
    this.#keptBytes += kept.length;
  }

  toSample(): ResponseSample {
    return {
      status: this.status,
      headers: this.headers,
      body: Buffer.concat(this.#chunks, this.#keptBytes),
      bodyBytes: this.#bodyBytes,
    };
  }
}
