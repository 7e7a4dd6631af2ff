import type { ServerResponse } from 'node:http';

/** Bytes queued for one slow client, at most, whatever the event count (events carry body excerpts). */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** One client of the live event stream: frames in, written as fast as the client reads, bounded. */
export interface EventStreamWriter {
  /** Writes a frame, queues it while the client is behind, or drops it when the queue is full. */
  send(frame: string): void;
  /** A comment line (`: text`), unless the client is behind (then it would only add to the queue). */
  comment(text: string): void;
  /** Events dropped for this client so far. */
  readonly dropped: number;
  end(): void;
}

/**
 * Writes server-sent events to one client without ever blocking the publisher: while the socket
 * takes everything, frames go straight out; once it pushes back (write() returned false), frames
 * wait in a queue of at most `maxQueuedEvents` (and 8 MiB); beyond that they are dropped and
 * counted. When the socket drains, the client first learns in a comment how many it missed in
 * total (`: dropped <n> …`), then gets the queue.
 */
export function createEventStreamWriter(res: ServerResponse, maxQueuedEvents: number): EventStreamWriter {
  let queue: string[] = [];
  let queuedBytes = 0;
  let isBehind = false;
  let dropped = 0;
  let reportedDropped = 0;
  let ended = false;

  let isCorked = false;
  const uncork = () => {
    isCorked = false;
    res.uncork();
  };

  /** Frames written in the same tick (the bus delivers in bursts) leave in one socket write. */
  function write(text: string): void {
    if (!isCorked) {
      isCorked = true;
      res.cork();
      process.nextTick(uncork);
    }
    if (!res.write(text)) isBehind = true;
  }

  res.on('drain', () => {
    if (ended) return;
    isBehind = false;
    let text = '';
    if (dropped > reportedDropped) {
      reportedDropped = dropped;
      text += `: dropped ${dropped} events in total: this client reads too slowly (the server keeps at most ${maxQueuedEvents} for it)\n\n`;
    }
    if (queue.length > 0) {
      text += queue.join('');
      queue = [];
      queuedBytes = 0;
    }
    if (text !== '') write(text);
  });

  return {
    send(frame) {
      if (ended) return;
      if (!isBehind) return write(frame);
      if (queue.length >= maxQueuedEvents || queuedBytes + frame.length > MAX_QUEUED_BYTES) {
        dropped += 1;
        return;
      }
      queue.push(frame);
      queuedBytes += frame.length;
    },
    comment(text) {
      if (!ended && !isBehind) write(`: ${text}\n\n`);
    },
    get dropped() {
      return dropped;
    },
    end() {
      if (ended) return;
      ended = true;
      queue = [];
      res.end();
    },
  };
}
