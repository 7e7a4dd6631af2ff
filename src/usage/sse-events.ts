/**
 * Splits a server-sent-events byte stream into whole events (each ending with its blank line),
 * chunk by chunk, without decoding what it does not need to. An event split across chunks is
 * held until its end arrives.
 */
export class SseEventSplitter {
  private pending: Buffer | undefined = undefined;

  /** The whole events completed by `chunk`, each with its terminating blank line. */
  push(chunk: Buffer): Buffer[] {
    const data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    const events: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = eventEnd(data, start);
      if (end === -1) break;
      events.push(data.subarray(start, end));
      start = end;
    }
    this.pending = start === data.length ? undefined : data.subarray(start);
    return events;
  }

  /** What is left (an event the stream ended without terminating). */
  rest(): Buffer | undefined {
    const rest = this.pending;
    this.pending = undefined;
    return rest;
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** Index just past the blank line (`\n\n` or `\n\r\n`) that ends the event starting at `from`; -1 when none yet. */
function eventEnd(data: Buffer, from: number): number {
  let index = data.indexOf(LF, from);
  while (index !== -1) {
    const next = data[index + 1];
    if (next === LF) return index + 2;
    if (next === CR && data[index + 2] === LF) return index + 3;
    index = data.indexOf(LF, index + 1);
  }
  return -1;
}

/** The `data:` payload of one event (several data lines joined by \n); undefined when it has none. */
export function eventData(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}
