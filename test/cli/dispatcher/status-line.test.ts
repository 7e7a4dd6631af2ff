import { describe, expect, it } from 'vitest';
import { createStatusLine, statusText, summaryText } from '../../../src/cli/dispatcher/status-line.js';
import { captureIo } from '../../support/capture-io.js';

const stats = {
  received: 12_353,
  delivered: 12_345,
  retried: 2,
  deadLettered: 1,
  batches: 124,
  buffered: 7,
  abandoned: 0,
  sinkErrors: { retryable: 2, permanent: 0, refused: 0 },
  oldestPendingEndedAt: undefined,
};

describe('dispatcher status line', () => {
  it('says events shipped, rate, retries, dead letters, and the lag or what the server dropped when known', () => {
    expect(statusText({ stats, eventsPerSecond: 1204.4, lag: 17, serverDropped: undefined })).toBe(
      'shipped 12,345 events · 1,204/s · 2 retries · 1 dead-lettered · lag 17',
    );
    expect(statusText({ stats: { ...stats, delivered: 1, retried: 1 }, eventsPerSecond: 0, lag: undefined, serverDropped: 3 })).toBe(
      'shipped 1 event · 0/s · 1 retry · 1 dead-lettered · 3 dropped by the server',
    );
  });

  it('sums up a stop, with what was left undelivered', () => {
    expect(summaryText({ ...stats, abandoned: 5 }, 61_234, 0)).toBe(
      'dispatcher stopped: 12,345 events delivered in 124 batches over 61.2s, 2 retries, 1 dead-lettered, 5 read but not delivered',
    );
  });

  it('is drawn in place on a terminal only; messages go on lines of their own', () => {
    const terminal = captureIo({ stderrIsTty: true });
    const line = createStatusLine(terminal.io.stderr);
    line.show('shipped 1 event');
    line.message('SIGHUP: reopened file x');
    line.show('shipped 2 events');
    line.clear();
    expect(terminal.stderr()).toBe('\r\x1b[Kshipped 1 event\r\x1b[KSIGHUP: reopened file x\n\r\x1b[Kshipped 2 events\r\x1b[K');

    const pipe = captureIo();
    const quiet = createStatusLine(pipe.io.stderr);
    quiet.show('shipped 1 event');
    quiet.message('a message');
    quiet.clear();
    expect(pipe.stderr()).toBe('a message\n');
  });
});
