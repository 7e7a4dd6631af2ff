import { ManageUnreachableError, apiErrorOf, networkReason } from './errors.js';

/** One thing a server-sent event stream carries: a message, or a comment line (`: …`). */
export type StreamItem =
  | { readonly kind: 'message'; readonly id: string | undefined; readonly event: string; readonly data: string }
  | { readonly kind: 'comment'; readonly text: string };

/** An incremental text/event-stream parser: feed it text as it arrives, get the complete items. */
export function createEventStreamParser(): { push(text: string): StreamItem[] } {
  let rest = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  return {
    push(text) {
      const items: StreamItem[] = [];
      rest += text;
      let start = 0;
      for (let end = rest.indexOf('\n', start); end !== -1; end = rest.indexOf('\n', start)) {
        const line = rest.charCodeAt(end - 1) === 13 ? rest.slice(start, end - 1) : rest.slice(start, end);
        start = end + 1;
        if (line === '') {
          if (data.length > 0) items.push({ kind: 'message', id, event: event || 'message', data: data.join('\n') });
          id = undefined;
          event = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) {
          items.push({ kind: 'comment', text: line.slice(1).trimStart() });
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') id = value;
      }
      rest = rest.slice(start);
      return items;
    },
  };
}

/** A live stream of the management API, read one item at a time (the reader sets the pace). */
export interface ManageEventStream {
  /** The next item; undefined once the stream ended (the server closed it, the connection broke, or close()). */
  next(): Promise<StreamItem | undefined>;
  close(): void;
}

export interface OpenEventStreamOptions {
  readonly baseUrl: string;
  readonly managementToken: string;
  /** How long to wait for the answer's headers. Default 30 s. */
  readonly connectTimeoutMs?: number;
}

/**
 * Opens GET /manage/events. Throws ManageUnreachableError when the server cannot be reached and
 * ManageApiError when it refuses (401: the management token). Items are read from the socket
 * only as next() asks for them, so a slow reader slows the server's writes to it (which drops
 * what does not fit) instead of filling this process's memory.
 */
export async function openManageEventStream(options: OpenEventStreamOptions): Promise<ManageEventStream> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const connection = new AbortController();
  const connectTimer = setTimeout(() => connection.abort(new DOMException('timed out', 'TimeoutError')), options.connectTimeoutMs ?? 30_000);
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/manage/events`, {
      headers: { authorization: `Bearer ${options.managementToken}`, accept: 'text/event-stream' },
      signal: connection.signal,
    });
  } catch (error) {
    throw new ManageUnreachableError(baseUrl, networkReason(connection.signal.reason ?? error), { cause: error });
  } finally {
    clearTimeout(connectTimer);
  }
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => '');
    throw apiErrorOf(response, text);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createEventStreamParser();
  let items: StreamItem[] = [];
  let ended = false;
  return {
    async next() {
      while (items.length === 0) {
        if (ended) return undefined;
        let chunk: { done: boolean; value?: Uint8Array };
        try {
          chunk = await reader.read();
        } catch {
          chunk = { done: true }; // the connection broke: the stream ended
        }
        if (chunk.done) {
          ended = true; // an event cut by the end of the stream is dropped, as the SSE spec says
          continue;
        }
        items = parser.push(decoder.decode(chunk.value, { stream: true }));
      }
      return items.shift();
    },
    close() {
      ended = true;
      items = [];
      connection.abort();
    },
  };
}
