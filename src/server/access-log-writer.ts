import type { DestinationStream } from 'pino';
import { isoTime } from '../events/index.js';
import { createLineBatch } from '../files/line-batch.js';
import type { AccessLogger } from '../proxy/index.js';

/**
 * The access log's JSON lines, written without a logging library: one line per request is the
 * hottest log of the server, and its fields are a fixed whitelist with nothing to redact (see
 * proxy/access-log-stage.ts). Lines of 20 ms go out in one write to the server's
 * log destination, in the same shape as the other log lines (`level`, `time`, `msg`, fields).
 */
export interface AccessLogWriter extends AccessLogger {
  /** Writes what is pending now (at shutdown). */
  flush(): void;
}

/**
 * Lines are gathered for this long (or up to FLUSH_BYTES) and written at once, as bytes outside
 * the JavaScript heap until then (files/line-batch.ts): a write per event-loop turn cost a system
 * call and a tick per request or two under load. Bounds what a kill -9 loses of the log.
 */
const FLUSH_INTERVAL_MS = 20;
const FLUSH_BYTES = 64 * 1024;

/** Characters a JSON string cannot hold as they are (quote, backslash, controls) or that JSON.stringify escapes (lone surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * One field value as JSON, the same text JSON.stringify writes: the access log's values are
 * short strings, numbers and nulls, for which this is about twice as fast as stringifying the
 * whole object; anything else goes to JSON.stringify.
 */
function jsonValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : (JSON.stringify(value) ?? 'null');
  }
}

/** `fields` as JSON members after `head`: its keys are the access log's own names, plain ASCII. */
function jsonLine(head: string, fields: Record<string, unknown>): string {
  let line = head;
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined) line += `,"${key}":${jsonValue(value)}`;
  }
  return `${line}}`;
}

export function createAccessLogWriter(destination: DestinationStream, pid?: number): AccessLogWriter {
  const pidField = pid === undefined ? '' : `"pid":${pid},`;
  // The destination takes text: the batch's bytes are decoded once per write, and the text dies young.
  const batch = createLineBatch({ write: (chunk) => destination.write(chunk.toString()), maxBytes: FLUSH_BYTES, intervalMs: FLUSH_INTERVAL_MS });
  return {
    info(fields, message) {
      batch.add(jsonLine(`{"level":"info","time":"${isoTime(Date.now())}",${pidField}"msg":${JSON.stringify(message)}`, fields as Record<string, unknown>));
    },
    flush: () => batch.flush(),
  };
}
