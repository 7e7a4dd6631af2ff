import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ErrorCode } from '../errors.js';
import { TunnelingAgent, proxyAuthorization, proxyFor, type EgressSettings } from './egress-proxy.js';
import type { Provider } from './provider-config.js';
import { UpstreamBusyError, UpstreamPool, serializeRequestHead, type Phase, type UpstreamCall, type UpstreamHandlers } from './upstream-pool.js';

export { UpstreamBusyError, type UpstreamCall, type UpstreamHandlers } from './upstream-pool.js';

/** The one connection pool to the provider, created at start. Only proxy/ opens upstream sockets. */
export interface Upstream {
  /** Value of the Host header sent upstream. */
  readonly hostHeader: string;
  /** True when every connection is busy and the wait queue is full: a new request would be refused. */
  isSaturated(): boolean;
  /**
   * Starts a request for a client URL (path + query); the provider's base path is prefixed. The
   * body is in memory (a Buffer), streams from the client (a Readable, piped), or there is none.
   * Throws UpstreamBusyError when saturated and UpstreamRequestError when the request cannot be
   * started (e.g. a header value with a character HTTP forbids): never anything else, synchronously.
   */
  request(method: string, url: string, headers: string[], body: Buffer | Readable | undefined, handlers: UpstreamHandlers): UpstreamCall;
  close(): void;
}

export interface UpstreamLimits {
  /** Longest wait for a connection to be established. */
  readonly connectTimeoutMs: number;
  /** Longest wait for response headers once the request is sent. */
  readonly responseHeaderTimeoutMs: number;
  /** Longest silence between response body chunks while the client is reading. */
  readonly streamIdleTimeoutMs: number;
  /** Longest silence of a client in the middle of sending a request body that streams upstream. */
  readonly clientBodyIdleMs: number;
  readonly maxConnections: number;
  readonly maxQueue: number;
}

/** Raised on an upstream request that stayed silent longer than its timeout (504). */
export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
}

/** Raised when no connection could be made in time (502: the upstream cannot be reached). */
export class UpstreamConnectTimeoutError extends Error {
  override readonly name = 'UpstreamConnectTimeoutError';
}

/** Raised when the client stopped sending the body that was streaming upstream (408). */
export class ClientBodyTimeoutError extends Error {
  override readonly name = 'ClientBodyTimeoutError';
}

/** Node refused to start the request (502); the message names the reason, never a header value. */
export class UpstreamRequestError extends Error {
  override readonly name = 'UpstreamRequestError';
}

/** The error code for a failed upstream exchange. */
export function upstreamErrorCode(error: unknown): ErrorCode {
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  if (error instanceof ClientBodyTimeoutError) return 'body_timeout';
  if (error instanceof UpstreamBusyError) return 'upstream_busy';
  return 'upstream_unreachable';
}

/** Node's agent sockets, with the request a socket carries (node's own field, stable since v0.x). */
type PooledSocket = Socket & { _httpMessage?: (ClientRequest & { res?: IncomingMessage | null }) | null };

/** Bytes a socket had moved (both ways) at a sweep, since when that has not changed, and in which phase. */
interface SocketProgress {
  readonly bytes: number;
  readonly since: number;
  readonly phase: Phase;
}

function phaseOf(socket: PooledSocket): Phase {
  if (socket.connecting) return 'connect';
  const request = socket._httpMessage;
  if (request === undefined || request === null) return 'idle';
  if (!request.writableFinished) return 'client-body';
  const response = request.res;
  if (response === undefined || response === null) return 'response-headers';
  // Paused by pipe() because the client reads slowly: backpressure, not upstream silence.
  return response.isPaused() ? 'client-paused' : 'response-body';
}

/** The node agent's sockets, in use and idle, with their phases. */
function* agentConnections(agent: HttpAgent): Iterable<[Socket, Phase]> {
  for (const sockets of Object.values(agent.sockets)) for (const socket of sockets ?? []) yield [socket, phaseOf(socket as PooledSocket)];
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) yield [socket, 'idle'];
}

/**
 * Timeouts without per-request timers or bookkeeping (re-arming a socket timer on every request
 * costs more than all the rest of the proxy's own work): every sweep, a socket that has moved no
 * byte either way for longer than its phase allows is destroyed with the phase's error, which
 * fails the request it carries. A socket that changes phase starts a new wait.
 */
function startSweeper(connections: () => Iterable<[Socket, Phase]>, limits: UpstreamLimits, idleMs: number): () => void {
  let progress = new Map<Socket, SocketProgress>();
  const shortest = Math.min(limits.connectTimeoutMs, limits.responseHeaderTimeoutMs, limits.streamIdleTimeoutMs, limits.clientBodyIdleMs);
  const sweepMs = Math.max(50, Math.min(1000, Math.floor(shortest / 4)));

  function expire(socket: Socket, phase: Phase): void {
    switch (phase) {
      case 'connect':
        return void socket.destroy(new UpstreamConnectTimeoutError(`no connection to the upstream within ${limits.connectTimeoutMs} ms`));
      case 'client-body':
        return void socket.destroy(new ClientBodyTimeoutError(`the client sent no body bytes for ${limits.clientBodyIdleMs} ms`));
      case 'response-headers':
        return void socket.destroy(new UpstreamTimeoutError(`no response headers from the upstream within ${limits.responseHeaderTimeoutMs} ms`));
      case 'response-body':
        return void socket.destroy(new UpstreamTimeoutError(`the upstream sent nothing for ${limits.streamIdleTimeoutMs} ms`));
      default:
        socket.destroy();
    }
  }

  const limitOf: Record<Phase, number> = {
    connect: limits.connectTimeoutMs,
    idle: idleMs,
    'client-body': limits.clientBodyIdleMs,
    'response-headers': limits.responseHeaderTimeoutMs,
    'response-body': limits.streamIdleTimeoutMs,
    'client-paused': Number.POSITIVE_INFINITY,
  };

  function check(now: number, next: Map<Socket, SocketProgress>) {
    for (const [socket, phase] of connections()) {
      const bytes = socket.bytesRead + socket.bytesWritten;
      const seen = progress.get(socket);
      const current = seen !== undefined && seen.bytes === bytes && seen.phase === phase ? seen : { bytes, since: now, phase };
      if (now - current.since < limitOf[phase]) next.set(socket, current);
      else expire(socket, phase);
    }
  }

  const timer = setInterval(() => {
    const next = new Map<Socket, SocketProgress>();
    check(Date.now(), next);
    progress = next;
  }, sweepMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Connections in use (connecting or carrying a request). */
function busyConnections(agent: HttpAgent): number {
  let busy = 0;
  for (const name in agent.sockets) busy += agent.sockets[name]?.length ?? 0;
  return busy;
}

/** Requests waiting in the agent's queue for a free connection (the agent keeps one queue per host). */
function queuedRequests(agent: HttpAgent): number {
  let queued = 0;
  for (const name in agent.requests) queued += agent.requests[name]?.length ?? 0;
  return queued;
}

const DIRECT: EgressSettings = { httpsProxy: undefined, httpProxy: undefined, noProxy: undefined };

/** Where requests go: host, port, and how a client URL becomes the request path. */
interface Route {
  readonly hostname: string;
  readonly port: number;
  readonly pathOf: (url: string) => string;
  /** Headers every request carries on this route (proxy credentials). */
  readonly extraHeaders: readonly string[];
}

function routeFor(baseUrl: URL, isHttps: boolean, proxy: URL | undefined): Route {
  const pathPrefix = baseUrl.pathname === '/' ? '' : baseUrl.pathname;
  if (proxy === undefined || isHttps) {
    // Direct, or through a CONNECT tunnel (the TunnelingAgent's sockets): the upstream's own address.
    return {
      hostname: baseUrl.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: baseUrl.port === '' ? (isHttps ? 443 : 80) : Number(baseUrl.port),
      pathOf: (url) => pathPrefix + url,
      extraHeaders: [],
    };
  }
  // Plain HTTP through a forward proxy: absolute-form request lines to the proxy.
  const authorization = proxyAuthorization(proxy);
  return {
    hostname: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: proxy.port === '' ? 80 : Number(proxy.port),
    pathOf: (url) => baseUrl.origin + pathPrefix + url,
    extraHeaders: authorization === undefined ? [] : ['proxy-authorization', authorization],
  };
}

/** node's http.Agent default for maxFreeSockets. */
const NODE_MAX_FREE_SOCKETS = 256;

export function createUpstream(provider: Provider, limits: UpstreamLimits, egress: EgressSettings = DIRECT): Upstream {
  const { baseUrl } = provider;
  const isHttps = baseUrl.protocol === 'https:';
  const proxy = proxyFor(egress, baseUrl);
  // Only what differs from node's defaults (keepAliveMsecs 1000, LIFO scheduling, 256 idle
  // sockets): node copies these options into every request's own, a dictionary-mode object
  // whose copy costs more with each property.
  const agentOptions = {
    keepAlive: true,
    maxSockets: limits.maxConnections,
    ...(provider.maxIdleConnections !== NODE_MAX_FREE_SOCKETS && { maxFreeSockets: provider.maxIdleConnections }),
  };
  const agent = !isHttps ? new HttpAgent(agentOptions) : proxy === undefined ? new HttpsAgent(agentOptions) : new TunnelingAgent(proxy, agentOptions);
  const send = isHttps ? httpsRequest : httpRequest;
  const { hostname, port, pathOf, extraHeaders } = routeFor(baseUrl, isHttps, proxy);
  // The proxy's own connections, unless an egress proxy is in the way (its tunnels are the agent's).
  const pool =
    proxy === undefined
      ? new UpstreamPool({ hostname, port, isHttps }, { maxConnections: limits.maxConnections, maxQueue: limits.maxQueue, maxIdleConnections: provider.maxIdleConnections })
      : undefined;
  const stopSweeper = startSweeper(
    function* () {
      yield* agentConnections(agent);
      if (pool !== undefined) yield* pool.connections();
    },
    limits,
    provider.idleConnectionMs,
  );
  // The queue is empty in normal operation, so the first test settles it in one step.
  const isSaturated = () =>
    queuedRequests(agent) + (pool?.queued ?? 0) >= limits.maxQueue && busyConnections(agent) + (pool?.busy ?? 0) >= limits.maxConnections;

  return {
    hostHeader: baseUrl.host,
    isSaturated,
    request(method, url, headers, body, handlers) {
      if (isSaturated()) throw new UpstreamBusyError(`${limits.maxConnections} upstream connections busy and ${limits.maxQueue} requests waiting`);
      if (extraHeaders.length > 0) headers.push(...extraHeaders);
      const path = pathOf(url);
      if (pool !== undefined && (body === undefined || Buffer.isBuffer(body))) {
        const head = serializeRequestHead(method, path, headers, body?.length);
        if (head === undefined) throw new UpstreamRequestError('the upstream request could not be started: a header or the path holds a character HTTP forbids');
        return pool.request(method, head, body, handlers);
      }
      let outgoing: ClientRequest;
      try {
        outgoing = send({ agent, hostname, port, method, path, headers });
      } catch (error) {
        throw new UpstreamRequestError(`the upstream request could not be started: ${(error as Error).message}`, { cause: error });
      }
      return agentCall(outgoing, body, handlers);
    },
    close() {
      stopSweeper();
      pool?.close();
      agent.destroy();
    },
  };
}

/** A call through node's client (request bodies that stream, egress proxies), reporting as the pool's calls do. */
function agentCall(outgoing: ClientRequest, body: Buffer | Readable | undefined, handlers: UpstreamHandlers): UpstreamCall {
  let response: IncomingMessage | undefined;
  let over = false;
  const fail = (error: Error): void => {
    if (over) return;
    over = true;
    handlers.error(error);
  };
  outgoing.on('response', (incoming: IncomingMessage) => {
    response = incoming;
    handlers.head(incoming.statusCode ?? 502, incoming.headers);
    incoming.on('data', (chunk: Buffer) => {
      if (!handlers.body(chunk)) incoming.pause();
    });
    incoming.on('end', () => {
      if (over) return;
      over = true;
      handlers.end();
    });
    incoming.on('error', fail);
    incoming.on('close', () => {
      if (!incoming.complete) fail(new Error('the upstream response was cut short'));
    });
  });
  outgoing.on('error', fail);
  if (body === undefined) outgoing.end();
  else if (Buffer.isBuffer(body)) outgoing.end(body);
  else body.pipe(outgoing);
  return {
    destroy() {
      if (over) return;
      if (body !== undefined && !Buffer.isBuffer(body)) body.unpipe(outgoing);
      outgoing.destroy();
    },
    resume() {
      response?.resume();
    },
  };
}
