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

export function createUpstream(provider: Provider, timeoutMs: number): Upstream {
  const { baseUrl } = provider;
  const isHttps = baseUrl.protocol === 'https:';
  const agentOptions = {
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxFreeSockets: provider.maxIdleConnections,
    timeout: provider.idleConnectionMs,
    scheduling: 'lifo' as const,
  };
  const agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send = isHttps ? httpsRequest : httpRequest;
  const hostname = baseUrl.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = baseUrl.port === '' ? (isHttps ? 443 : 80) : Number(baseUrl.port);
  const pathPrefix = baseUrl.pathname === '/' ? '' : baseUrl.pathname;

  return {
    hostHeader: baseUrl.host,
    request(method, url, headers) {
      const upstreamRequest = send({
        agent,
        hostname,
        port,
        method,
        path: pathPrefix + url,
        headers,
        timeout: timeoutMs,
      });
      upstreamRequest.on('timeout', () => upstreamRequest.destroy(new UpstreamTimeoutError('upstream timed out')));
      return upstreamRequest;
    },
    close: () => agent.destroy(),
  };
}
