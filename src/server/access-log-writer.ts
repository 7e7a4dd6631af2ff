import type { DestinationStream } from 'pino';
import { isoTime } from '../events/index.js';
import type { AccessLogger } from '../proxy/index.js';

/**
 * The access log's JSON lines, written without a logging library: one line per request is the
 * hottest log of the server, and its fields are a fixed whitelist with nothing to redact (see
 * proxy/access-log-stage.ts). Lines of one event-loop turn go out in one write to the server's
 * log destination, in the same shape as the other log lines (`level`, `time`, `msg`, fields).
 */
export interface AccessLogWriter extends AccessLogger {
  /** Writes what is pending now (at shutdown). */
  flush(): void;
}

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
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
