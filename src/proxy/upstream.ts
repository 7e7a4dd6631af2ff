import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ErrorCode } from '../errors.js';
import type { Provider } from './provider-config.js';

/** The one connection pool to the provider, created at start. Only proxy/ opens upstream sockets. */
export interface Upstream {
  /** Value of the Host header sent upstream. */
  readonly hostHeader: string;
  /** Starts a request for a client URL (path + query); the provider's base path is prefixed. */
  request(method: string, url: string, headers: string[]): ClientRequest;
  close(): void;
}

/** Raised on an upstream request that stayed silent longer than the timeout. */
export class UpstreamTimeoutError extends Error {
  override readonly name = 'UpstreamTimeoutError';
}

/** The error code for a failed upstream exchange: a timeout is 504, anything else (refused, reset, DNS) 502. */
export function upstreamErrorCode(error: unknown): ErrorCode {
  return error instanceof UpstreamTimeoutError ? 'timeout' : 'upstream_unreachable';
}

import type { Socket } from 'node:net';

/** Bytes a socket had moved (both ways) at a sweep, since when that has not changed, and whether it was in use. */
interface SocketProgress {
  readonly bytes: number;
  readonly since: number;
  readonly isInUse: boolean;
}

/**
 * Timeouts without per-request timers or bookkeeping (re-arming a socket timer on every request
 * costs more than all the rest of the proxy's own work): every `sweepMs`, a socket that carries a
 * request and has moved no byte either way for `timeoutMs` is destroyed with an
 * UpstreamTimeoutError (its request fails with it); a pooled socket idle for `idleMs` is closed.
 */
function startSweeper(agent: HttpAgent, timeoutMs: number, idleMs: number): () => void {
  let progress = new Map<Socket, SocketProgress>();
  const sweepMs = Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4)));

  function check(now: number, next: Map<Socket, SocketProgress>, sockets: readonly Socket[], isInUse: boolean) {
    const limitMs = isInUse ? timeoutMs : idleMs;
    for (const socket of sockets) {
      const bytes = socket.bytesRead + socket.bytesWritten;
      const seen = progress.get(socket);
      // A socket that moved bytes, or went from the pool to a request or back, starts a new wait.
      const current = seen !== undefined && seen.bytes === bytes && seen.isInUse === isInUse ? seen : { bytes, since: now, isInUse };
      if (now - current.since < limitMs) next.set(socket, current);
      else if (isInUse) socket.destroy(new UpstreamTimeoutError(`upstream sent nothing for ${timeoutMs} ms`));
      else socket.destroy();
    }
  }

  const timer = setInterval(() => {
    const now = Date.now();
    const next = new Map<Socket, SocketProgress>();
    for (const sockets of Object.values(agent.sockets)) check(now, next, sockets ?? [], true);
    for (const sockets of Object.values(agent.freeSockets)) check(now, next, sockets ?? [], false);
    progress = next;
  }, sweepMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function createUpstream(provider: Provider, timeoutMs: number): Upstream {
  const { baseUrl } = provider;
  const isHttps = baseUrl.protocol === 'https:';
  const agentOptions = { keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: provider.maxIdleConnections, scheduling: 'lifo' as const };
  const agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send = isHttps ? httpsRequest : httpRequest;
  const stopSweeper = startSweeper(agent, timeoutMs, provider.idleConnectionMs);
  const hostname = baseUrl.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = baseUrl.port === '' ? (isHttps ? 443 : 80) : Number(baseUrl.port);
  const pathPrefix = baseUrl.pathname === '/' ? '' : baseUrl.pathname;

  return {
    hostHeader: baseUrl.host,
    request: (method, url, headers) => send({ agent, hostname, port, method, path: pathPrefix + url, headers }),
    close() {
      stopSweeper();
      agent.destroy();
    },
  };
}
