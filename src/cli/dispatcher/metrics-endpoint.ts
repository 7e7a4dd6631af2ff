import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../../config/index.js';
import type { DispatcherMetrics } from '../../metrics/index.js';
import { EXIT } from '../exit-codes.js';
import { DispatcherExitError } from './dispatcher-exit-error.js';

export interface MetricsEndpoint {
  /** Where it listens, for messages (`http://127.0.0.1:9464/metrics`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The dispatcher's Prometheus endpoint: `GET /metrics` answers the text exposition, anything
 * else 404. Plain node:http (the dispatcher has no web framework to carry). Rejects (exit 1)
 * when the address cannot be bound.
 */
export async function startMetricsEndpoint(address: ListenAddress, metrics: DispatcherMetrics): Promise<MetricsEndpoint> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    metrics.render().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot render the metrics: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      const shown = address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
      reject(new DispatcherExitError(`cannot listen for metrics on ${shown}: ${error.message}`, EXIT.general, { cause: error }));
    });
    server.listen(address.port, address.host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${host}:${bound.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
