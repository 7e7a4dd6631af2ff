import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogLevel } from '../config/index.js';
import { redactTokens } from '../security/index.js';

/** Header and field paths that may hold secrets; pino compiles them once. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'api_key',
  'apiKey',
  'token',
  'management_token',
  'managementToken',
  '*.api_key',
  '*.token',
];

interface RequestLike {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** Where log lines go: JSON lines on stdout, or readable lines for a person at a terminal (LOG_FORMAT=pretty). */
export function logDestination(format: 'json' | 'pretty'): DestinationStream | undefined {
  return format === 'pretty' ? PinoPretty({ colorize: process.stdout.isTTY === true, ignore: 'pid,hostname' }) : undefined;
}

/** JSON logs with secrets redacted; requests are logged by a whitelist (never their headers). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: RequestLike) => ({
          method: req.method,
          url: req.url === undefined ? undefined : redactTokens(req.url),
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        }),
        err: stdSerializers.err,
      },
    },
    destination,
  );
}

export type { Logger };
