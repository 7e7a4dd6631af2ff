import { destination as pinoDestination, pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
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

/** Query parameters of the management API whose values are logged; every other value is redacted. */
const LOGGED_QUERY_VALUES = new Set(['project_id', 'projectId', 'active_only', 'activeOnly']);
const PLAIN_QUERY_PART = /^[A-Za-z0-9_.-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The segment after /tokens/ may be the token itself (GET /manage/tokens/{id-or-token}), in any encoding.
const TOKEN_PATH_SEGMENT = /(\/tokens\/)([^/]+)/gi;
const PERCENT_TRIPLET = /%([0-9a-fA-F]{2})/g;
const REDACTED = '[redacted]';

/** Percent-decoded until stable (a few rounds at most): tokens hide as `sk%2D…` or `%73k-…`. */
function decodedForSearch(text: string): string {
  let current = text;
  for (let round = 0; round < 3 && current.includes('%'); round += 1) {
    const next = current.replace(PERCENT_TRIPLET, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

function redactPath(path: string): string {
  const withoutTokenIds = path.replace(TOKEN_PATH_SEGMENT, (whole, prefix: string, segment: string) =>
    UUID.test(segment) ? whole : prefix + REDACTED,
  );
  if (!withoutTokenIds.includes('%')) return redactTokens(withoutTokenIds);
  const decoded = decodedForSearch(withoutTokenIds);
  return redactTokens(decoded) === decoded ? withoutTokenIds : redactTokens(decoded);
}

/** Parameter names are kept when plain; values only for the few known harmless parameters. */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      if (!PLAIN_QUERY_PART.test(name) || redactTokens(name) !== name) return REDACTED;
      if (equals === -1) return name;
      const value = pair.slice(equals + 1);
      return LOGGED_QUERY_VALUES.has(name) && PLAIN_QUERY_PART.test(value) ? pair : `${name}=${REDACTED}`;
    })
    .join('&');
}

/**
 * A request URL fit for the logs: withering tokens in the path replaced by their hint even when
 * percent-encoded, any non-id segment after /tokens/ redacted, and query values redacted except
 * a few known ones (a management token pasted into a query string never reaches the logs).
 */
export function redactRequestUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return redactPath(url);
  return `${redactPath(url.slice(0, query))}?${redactQuery(url.slice(query + 1))}`;
}

interface RequestLike {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/**
 * Where log lines go: JSON lines on stdout, or readable lines for a person at a terminal
 * (LOG_FORMAT=pretty). One destination for every logger of the server, so their lines never interleave.
 */
export async function logDestination(format: 'json' | 'pretty'): Promise<DestinationStream> {
  if (format === 'pretty') {
    const { PinoPretty } = await import('pino-pretty'); // loaded only for people who asked for it
    return PinoPretty({ colorize: process.stdout.isTTY === true, ignore: 'pid,hostname' });
  }
  return pinoDestination({ dest: 1, sync: true });
}

/** Options every logger of the server shares: the line's shape (`pid` only when several workers write to one stdout). */
function lineShape(pid: number | undefined) {
  return {
    base: pid === undefined ? undefined : { pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}

/**
 * The access log's own logger: its lines are a fixed whitelist of fields that hold no secret
 * (see proxy/access-log-stage.ts), so it skips the redaction pass the general logger runs on
 * every line, which would cost more than the rest of a proxied request's own work.
 */
export function createAccessLogger(level: LogLevel, destination?: DestinationStream, pid?: number): Logger {
  return pino({ level, ...lineShape(pid) }, destination);
}

/** JSON logs with secrets redacted; requests are logged by a whitelist (never their headers). */
export function createLogger(level: LogLevel, destination?: DestinationStream, pid?: number): Logger {
  return pino(
    {
      level,
      ...lineShape(pid),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: RequestLike) => ({
          method: req.method,
          url: req.url === undefined ? undefined : redactRequestUrl(req.url),
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        }),
        err: stdSerializers.err,
      },
    },
    destination,
  );
}

export type { Logger };
