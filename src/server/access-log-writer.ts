import type { DestinationStream } from 'pino';
import { isoTime } from '../events/index.js';
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
 * Lines are gathered for this long (or up to FLUSH_BYTES) and written at once: a write per
 * event-loop turn cost a system call and a tick per request or two under load. Bounds what a
 * kill -9 loses of the log.
 */
const FLUSH_INTERVAL_MS = 20;
const FLUSH_BYTES = 64 * 1024;

export function createAccessLogWriter(destination: DestinationStream, pid?: number): AccessLogWriter {
  let pending = '';
  const pidField = pid === undefined ? '' : `"pid":${pid},`;
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    destination.write(text);
  }

  return {
    info(fields, message) {
      pending += `{"level":"info","time":"${isoTime(Date.now())}",${pidField}"msg":${JSON.stringify(message)},${JSON.stringify(fields).slice(1)}\n`;
      if (pending.length >= FLUSH_BYTES) flush();
      else if (!scheduled) {
        scheduled = true;
        setTimeout(flush, FLUSH_INTERVAL_MS).unref();
      }
    },
    flush,
  };
}
