import type { IncomingHttpHeaders } from 'node:http';
import type { Transform } from 'node:stream';
import type { Exchange } from './exchange.js';

/**
 * A pluggable step of the data path. The pipeline runs, for every /v1 request:
 *
 *   policy → authentication → [body] → beforeUpstream stages → consume (count) → upstream
 *   → response taps / transform → complete stages
 *
 * Every hook is optional and a stage that leaves one out costs nothing there: the request body
 * is only buffered when some stage's `needsBody` says so, and a response is only observed
 * chunk by chunk when a stage added a tap to that exchange.
 */
export interface ProxyStage {
  readonly name: string;
  /**
   * Whether this exchange's request body must be in memory before `beforeUpstream` runs
   * (`exchange.requestBody`). Asked after authentication; buffering is bounded by MAX_REQUEST_SIZE.
   */
  needsBody?(exchange: Exchange): boolean;
  /**
   * After authentication, before the token is counted and the upstream called. May answer the
   * request itself (then return true: nothing goes upstream, and the token is not counted unless
   * the stage calls auth.consume itself, as the cache does for a hit), refuse
   * it (throw a ProxyError), replace `exchange.requestBody`, add response headers or taps.
   * Stages run in order; the first that answers ends the chain. Return a promise only when there
   * is something to wait for: a synchronous answer keeps the request off the microtask queue.
   */
  beforeUpstream?(exchange: Exchange): void | boolean | Promise<void | boolean>;
  /** Once per exchange, when the response ended or the client left, refused requests included. Must not throw. */
  complete?(exchange: Exchange): void;
}

/** Observes an upstream response as it passes to the client. Must not throw, must not block. */
export interface ResponseTap {
  /**
   * True: `chunk` sees the body as the client receives it, after the response transform (the
   * cache stores that); otherwise as the upstream sent it (the usage meter reads that).
   */
  readonly afterTransform?: boolean;
  /** The upstream's status and headers, before the client's answer is built: it may still add headers (exchange.addResponseHeader). */
  headers?(status: number, headers: IncomingHttpHeaders): void;
  /** Each body chunk, in order, as received from the upstream. Copy it to keep it beyond the call. */
  chunk?(chunk: Buffer): void;
  /** The body ended: `complete` is false when it was cut (client gone, upstream died). */
  end?(complete: boolean): void;
}

/** Makes the stream that rewrites the response body on its way to the client (after the taps saw it). */
export type ResponseTransformFactory = (status: number, headers: IncomingHttpHeaders) => Transform | undefined;
