import { redactTokens } from '../security/index.js';
import { unixMicros } from './clock.js';
import type { ProxyStage } from './stage.js';

/** The slice of a pino logger the access log uses. */
export interface AccessLogger {
  info(fields: object, message: string): void;
}

/**
 * One line per /v1 request (LOG_REQUESTS): who, what, how it ended and how long it took. A
 * whitelist of fields, so no header, body, token or key can reach the log; the path is the only
 * client text, and a token pasted into it is redacted.
 */
export function accessLogStage(log: AccessLogger): ProxyStage {
  return {
    name: 'access-log',
    complete(exchange) {
      log.info(
        {
          request_id: exchange.requestId,
          method: exchange.method,
          route: redactTokens(exchange.path),
          status: exchange.status,
          duration_ms: (unixMicros() - exchange.startedMicros) / 1000,
          upstream_ms: exchange.upstreamMs,
          project_id: exchange.admission?.projectId ?? null,
          token_id: exchange.admission?.tokenId ?? null,
          cache: exchange.cacheStatus,
          error_code: exchange.errorCode,
        },
        'request',
      );
    },
  };
}
