import { Transform } from 'node:stream';
import { SseEventSplitter, eventData } from './sse-events.js';

const USAGE = Buffer.from('"usage"');
/** `"usage":null` with the comma that joins it to its neighbour (either side), any spacing. */
const NULL_USAGE_FIELD = /,\s*"usage"\s*:\s*null(?=\s*[,}])|"usage"\s*:\s*null\s*,/;

/** The extra chunk `include_usage` adds at the end: no choices, only usage. */
function isUsageOnlyChunk(data: string | undefined): boolean {
  if (data === undefined || !data.startsWith('{')) return false;
  try {
    const chunk = JSON.parse(data) as { choices?: unknown; usage?: unknown };
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && typeof chunk.usage === 'object' && chunk.usage !== null;
  } catch {
    return false;
  }
}

/**
 * Undoes what `stream_options.include_usage` changes in a chat completions stream, for a client
 * that did not ask for it: the final usage-only chunk is dropped and the `"usage":null` field of
 * every other chunk removed, so the client receives the bytes it would have received without
 * the option. Events are passed on as soon as they are whole; only an event split across two
 * upstream chunks waits for its end.
 */
export function createInjectedUsageStripper(): Transform {
  const splitter = new SseEventSplitter();
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const kept: Buffer[] = [];
      for (const event of splitter.push(chunk)) {
        if (event.indexOf(USAGE) === -1) {
          kept.push(event);
          continue;
        }
        const text = event.toString('utf8');
        if (isUsageOnlyChunk(eventData(text))) continue;
        kept.push(Buffer.from(text.replace(NULL_USAGE_FIELD, ''), 'utf8'));
      }
      callback(null, kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : Buffer.concat(kept));
    },
    flush(callback) {
      callback(null, splitter.rest());
    },
  });
}
