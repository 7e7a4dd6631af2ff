import type { IncomingHttpHeaders } from 'node:http';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ResponseParser, type ResponseReceiver } from './http1-response.js';
import { HEADER_NAME, INVALID_HEADER_VALUE } from './http-syntax.js';

/**
 * Keep-alive connections to the upstream, written and read by the proxy itself: a request whose
 * body is in memory goes out as one write, and the response is parsed off the socket and handed
 * on chunk by chunk. This is the data path's hot loop; node's ClientRequest, Agent and
 * IncomingMessage cost about as much CPU again as all the rest of a proxied request.
 */

/** What an upstream call reports to; the same for both ways of calling (see upstream.ts). */
export interface UpstreamHandlers {
  head(status: number, headers: IncomingHttpHeaders): void;
  /** A body chunk (valid only during the call); false asks for a pause until the call's resume(). */
  body(chunk: Buffer): boolean;
  /** The response body is complete. */
  end(): void;
  /** The call failed: before the head (the request fails) or during the body (the response is cut). */
  error(error: Error): void;
}

/** An upstream call in progress. */
export interface UpstreamCall {
  /** Aborts the call (the client left); a call already over is left alone. */
  destroy(): void;
  /** Resumes reading after handlers.body() returned false. */
  resume(): void;
}

/** Where a connection's current exchange stands, for the timeout sweeper. */
export type Phase = 'connect' | 'idle' | 'client-body' | 'response-headers' | 'response-body' | 'client-paused';

export interface PoolTarget {
  readonly hostname: string;
  readonly port: number;
  readonly isHttps: boolean;
}

export interface PoolLimits {
  readonly maxConnections: number;
  readonly maxQueue: number;
  readonly maxIdleConnections: number;
}

/** Every connection busy and the queue full (503 with Retry-After). */
export class UpstreamBusyError extends Error {
  override readonly name = 'UpstreamBusyError';
}

class DirectCall implements UpstreamCall, ResponseReceiver {
  connection: Connection | undefined = undefined;
  readonly parser: ResponseParser;
  over = false;
  paused = false;
  /** The upstream's Keep-Alive header, when it sent one (it may say how long it keeps idle connections). */
  keepAliveHint: string | undefined = undefined;

  constructor(
    readonly requestHead: string,
    readonly requestBody: Buffer | undefined,
    readonly handlers: UpstreamHandlers,
    expectsBody: boolean,
  ) {
    this.parser = new ResponseParser(this, expectsBody);
  }

  head(status: number, headers: IncomingHttpHeaders): void {
    const hint = headers['keep-alive'];
    this.keepAliveHint = typeof hint === 'string' ? hint : undefined;
    this.handlers.head(status, headers);
  }

  body(chunk: Buffer): void {
    if (this.over) return;
    if (!this.handlers.body(chunk) && !this.over) {
      this.paused = true;
      this.connection?.socket.pause();
    }
  }

  complete(): void {
    this.over = true;
    this.handlers.end();
  }

  fail(error: Error): void {
    if (this.over) return;
    this.over = true;
    this.handlers.error(error);
  }

  destroy(): void {
    if (this.over) return;
    if (this.connection === undefined) this.fail(new Error('the request was cancelled before it was sent'));
    else this.connection.socket.destroy();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.over) this.connection?.socket.resume();
  }
}

/** `Keep-Alive: timeout=N`: how long the upstream keeps an idle connection open, in seconds. */
const KEEP_ALIVE_TIMEOUT = /(?:^|,)\s*timeout=(\d+)/i;
/** An idle connection is given up this long before the upstream's announced timeout (as node's agent does). */
const KEEP_ALIVE_MARGIN_MS = 1000;

class Connection {
  call: DirectCall | undefined = undefined;
  /** When the upstream may close this connection if it stays idle (ms since the epoch); 0 when it did not say. */
  reusableUntil = 0;
  /** Set by the socket's 'error', reported when it closes. */
  private failure: Error | undefined = undefined;

  constructor(
    readonly socket: Socket,
    private readonly pool: UpstreamPool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => (this.failure ??= error));
    socket.on('close', () => this.onClose());
  }

  get phase(): Phase {
    if (this.socket.connecting) return 'connect';
    const call = this.call;
    if (call === undefined) return 'idle';
    if (!call.parser.headReceived) return 'response-headers';
    return call.paused ? 'client-paused' : 'response-body';
  }

  start(call: DirectCall): void {
    this.call = call;
    call.connection = this;
    const { socket } = this;
    if (call.requestBody === undefined) socket.write(call.requestHead, 'latin1');
    else {
      socket.cork();
      socket.write(call.requestHead, 'latin1');
      socket.write(call.requestBody);
      socket.uncork();
    }
  }

  private onData(data: Buffer): void {
    const call = this.call;
    if (call === undefined) {
      this.socket.destroy(); // bytes on an idle connection: nothing can be trusted on it any more
      return;
    }
    try {
      call.parser.feed(data);
    } catch (error) {
      this.failure = error as Error;
      this.socket.destroy();
      return;
    }
    if (call.parser.done) this.finished(call);
  }

  private finished(call: DirectCall): void {
    this.call = undefined;
    // The last chunk may have asked for a pause: the call is over, and the next one must be read.
    if (call.paused) {
      call.paused = false;
      this.socket.resume();
    }
    const timeout = call.keepAliveHint === undefined ? null : KEEP_ALIVE_TIMEOUT.exec(call.keepAliveHint);
    if (timeout !== null) this.reusableUntil = Date.now() + Number(timeout[1]) * 1000 - KEEP_ALIVE_MARGIN_MS;
    if (call.parser.keepAlive && !this.socket.destroyed) this.pool.release(this);
    else this.socket.destroy();
  }

  private onEnd(): void {
    const call = this.call;
    if (call !== undefined && call.parser.end()) this.finished(call);
    this.socket.destroy();
  }

  private onClose(): void {
    this.pool.remove(this);
    const call = this.call;
    this.call = undefined;
    call?.fail(this.failure ?? new Error('the upstream closed the connection before the response was complete'));
  }
}

/** Methods whose request without a body still announces one of length 0 (as node's client does). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export class UpstreamPool {
  private readonly open = new Set<Connection>();
  /** Most recently used last: reused first, so the rest can time out. */
  private readonly idle: Connection[] = [];
  private readonly waiting: DirectCall[] = [];

  constructor(
    private readonly target: PoolTarget,
    private readonly limits: PoolLimits,
  ) {}

  get busy(): number {
    return this.open.size - this.idle.length;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Every connection with its phase, for the timeout sweeper. */
  *connections(): Iterable<[Socket, Phase]> {
    for (const connection of this.open) yield [connection.socket, connection.phase];
  }

  /**
   * Sends a request: `head` is the serialised request line and headers (latin1, CRLF-terminated,
   * ending with the empty line), `body` what follows it.
   */
  request(method: string, head: string, body: Buffer | undefined, handlers: UpstreamHandlers): UpstreamCall {
    const call = new DirectCall(head, body, handlers, method !== 'HEAD');
    const connection = this.reusableConnection();
    if (connection !== undefined) connection.start(call);
    else if (this.open.size < this.limits.maxConnections) this.connect().start(call);
    else if (this.waiting.length < this.limits.maxQueue) this.waiting.push(call);
    else throw new UpstreamBusyError(`${this.limits.maxConnections} upstream connections busy and ${this.limits.maxQueue} requests waiting`);
    return call;
  }

  /**
   * The most recently used idle connection, unless the upstream may be closing it (sending on it
   * then would race the close and fail the request).
   */
  private reusableConnection(): Connection | undefined {
    let connection = this.idle.pop();
    while (connection !== undefined && connection.reusableUntil !== 0 && connection.reusableUntil <= Date.now()) {
      connection.socket.destroy();
      connection = this.idle.pop();
    }
    return connection;
  }

  /** A connection whose response is read completely: the next waiting call, or the idle list. */
  release(connection: Connection): void {
    let next = this.waiting.shift();
    while (next !== undefined && next.over) next = this.waiting.shift(); // cancelled while it waited
    if (next !== undefined) connection.start(next);
    else if (this.idle.length < this.limits.maxIdleConnections) this.idle.push(connection);
    else connection.socket.destroy();
  }

  remove(connection: Connection): void {
    this.open.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index !== -1) this.idle.splice(index, 1);
    // A waiting call gets the place of the connection that closed.
    let next = this.waiting.shift();
    while (next !== undefined && next.over) next = this.waiting.shift();
    if (next !== undefined) this.connect().start(next);
  }

  close(): void {
    for (const call of this.waiting.splice(0)) call.fail(new Error('the proxy is shutting down'));
    for (const connection of this.open) connection.socket.destroy();
  }

  private connect(): Connection {
    const { hostname, port, isHttps } = this.target;
    const socket = isHttps
      ? connectTls({ host: hostname, port, servername: isIP(hostname) === 0 ? hostname : undefined, ALPNProtocols: ['http/1.1'] })
      : connectTcp({ host: hostname, port });
    const connection = new Connection(socket, this);
    this.open.add(connection);
    return connection;
  }
}

/** node's check of a request path: no spaces, controls or characters beyond latin1. */
const INVALID_PATH = /[^\u0021-\u00ff]/;

/**
 * The request line and header block for `headers` (a flat [name, value, …] list), or undefined
 * when a name, a value or the path holds a character HTTP forbids (the caller refuses to send it,
 * naming none of them). A body without a declared length gets one; so does a POST, PUT or PATCH
 * without a body (length 0), as node's client does.
 */
export function serializeRequestHead(method: string, path: string, headers: readonly string[], bodyLength: number | undefined): string | undefined {
  if (INVALID_PATH.test(path)) return undefined;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let framed = false;
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    const value = headers[index + 1] as string;
    if (!HEADER_NAME.test(name) || INVALID_HEADER_VALUE.test(value)) return undefined;
    if (!framed && (name === 'content-length' || name === 'transfer-encoding')) framed = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!framed && (bodyLength !== undefined || BODY_METHODS.has(method))) head += `content-length: ${bodyLength ?? 0}\r\n`;
  return `${head}\r\n`;
}
