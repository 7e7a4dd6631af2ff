import { buildConnector } from 'undici';
import { TargetUnreachableError, describeNetworkError } from './errors.js';

/**
 * Opens one connection (TCP, and TLS for https) to the target and closes it, so an unreachable
 * target fails in one line before any load is generated. Sends no request.
 */
export function checkReachable(url: URL, timeoutMs: number): Promise<void> {
  const connect = buildConnector({ timeout: timeoutMs });
  return new Promise((resolve, reject) => {
    connect(
      {
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        host: url.host,
        protocol: url.protocol,
        port: url.port,
      },
      (error, socket) => {
        if (error !== null) {
          reject(new TargetUnreachableError(url.href, describeNetworkError(error)));
          return;
        }
        socket.destroy();
        resolve();
      },
    );
  });
}
