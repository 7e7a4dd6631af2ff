import type { IncomingHttpHeaders } from 'node:http';
import { HEADER_NAME, INVALID_HEADER_VALUE } from './http-syntax.js';

/**
 * An HTTP/1.1 response read off a connection (RFC 9112): the status line and header block, then
 * the body as its framing says (Content-Length, chunked, or until the connection closes), handed
 * on chunk by chunk as slices of what the socket read, without copies. Strict: anything it does
 * not understand is an error, and the connection it came on is not used again.
 */

/** What a parsed response is handed to. */
export interface ResponseReceiver {
  head(status: number, headers: IncomingHttpHeaders): void;
  /** A body chunk, valid only during the call. */
  body(chunk: Buffer): void;
  /** The body is complete. */
  complete(): void;
}

/** Raised on a response the parser cannot read: the connection is dropped, the request fails (502). */
export class UpstreamProtocolError extends Error {
  override readonly name = 'UpstreamProtocolError';
}

/** Longest status line plus header block accepted (node's default limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** Longest chunk-size line (size, extensions) accepted. */
const MAX_CHUNK_LINE = 1024;

const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

const CR = 13;
const LF = 10;

/** Adds a header to node's parsed-headers shape: names lower-cased, Set-Cookie a list, other repeats joined with ", ". */
function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const existing = headers[name];
  if (name === 'set-cookie') {
    if (existing === undefined) headers[name] = [value];
    else (existing as string[]).push(value);
  } else headers[name] = existing === undefined ? value : `${existing as string}, ${value}`;
}

function parseContentLength(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new UpstreamProtocolError('the upstream sent an invalid Content-Length');
  return Number(value);
}

export class ResponseParser {
  private state = State.Head;
  private pendingHead: Buffer | undefined = undefined;
  /** Body bytes left: of the Content-Length, or of the current chunk. */
  private remaining = 0;
  private line = '';
  /** False when the connection must be closed once this response is read. */
  keepAlive = true;

  /** `expectsBody`: false for a HEAD request, whose response has a head only. */
  constructor(
    private readonly receiver: ResponseReceiver,
    private readonly expectsBody: boolean,
  ) {}

  get headReceived(): boolean {
    return this.state !== State.Head;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Feeds what the socket read; throws UpstreamProtocolError on a malformed response. */
  feed(data: Buffer): void {
    let offset = 0;
    while (offset < data.length) {
      switch (this.state) {
        case State.Head:
          offset = this.readHead(data, offset);
          break;
        case State.Length:
        case State.ChunkData: {
          const end = Math.min(data.length, offset + this.remaining);
          this.remaining -= end - offset;
          this.receiver.body(offset === 0 && end === data.length ? data : data.subarray(offset, end));
          offset = end;
          if (this.remaining === 0) {
            if (this.state === State.Length) this.finish();
            else this.state = State.ChunkDataEnd;
          }
          break;
        }
        case State.ChunkSize:
        case State.ChunkDataEnd:
        case State.Trailers:
          offset = this.readChunkLine(data, offset);
          break;
        case State.UntilClose:
          this.receiver.body(offset === 0 ? data : data.subarray(offset));
          offset = data.length;
          break;
        case State.Done:
          throw new UpstreamProtocolError('the upstream sent bytes after its response');
      }
    }
  }

  /** The connection ended (FIN): completes a close-delimited body; anything else is cut short. */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.finish();
      return true;
    }
    return this.state === State.Done;
  }

  private finish(): void {
    this.state = State.Done;
    this.receiver.complete();
  }

  private readHead(data: Buffer, offset: number): number {
    let buffer = offset === 0 ? data : data.subarray(offset);
    let searchFrom = 0;
    if (this.pendingHead !== undefined) {
      searchFrom = Math.max(0, this.pendingHead.length - 3);
      buffer = Buffer.concat([this.pendingHead, buffer]);
    }
    const end = buffer.indexOf(HEAD_END, searchFrom);
    if (end === -1) {
      if (buffer.length > MAX_HEAD_BYTES) throw new UpstreamProtocolError('the upstream sent a response head over 64 KiB');
      this.pendingHead = Buffer.from(buffer); // a copy: the socket's buffer is not ours to keep
      return data.length;
    }
    const consumedBefore = this.pendingHead?.length ?? 0;
    this.pendingHead = undefined;
    this.parseHead(buffer.toString('latin1', 0, end));
    return offset + end + 4 - consumedBefore;
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (status === null) throw new UpstreamProtocolError('the upstream sent an invalid status line');
    const code = Number(status[2]);
    const headers: IncomingHttpHeaders = {};
    let contentLength: number | undefined;
    let transferEncoding: string | undefined;
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index] as string;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!HEADER_NAME.test(name)) throw new UpstreamProtocolError('the upstream sent an invalid header line');
      const lower = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (INVALID_HEADER_VALUE.test(value)) throw new UpstreamProtocolError('the upstream sent an invalid header value');
      if (lower === 'content-length') {
        const length = parseContentLength(value);
        if (contentLength !== undefined && contentLength !== length) throw new UpstreamProtocolError('the upstream sent two Content-Lengths');
        contentLength = length;
        if (headers['content-length'] !== undefined) continue;
      } else if (lower === 'transfer-encoding') transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
      addHeader(headers, lower, value);
    }
    if (code < 200) {
      // 1xx interim answers (100 Continue, 103 Early Hints) come before the real one: skip them.
      if (code === 101) throw new UpstreamProtocolError('the upstream switched protocols on a request that did not ask to');
      return;
    }
    const connection = headers.connection?.toLowerCase();
    this.keepAlive = status[1] === '1' ? !/(?:^|,)\s*close\s*(?:,|$)/.test(connection ?? '') : /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(connection ?? '');
    if (!this.expectsBody || code === 204 || code === 304) this.state = State.Done;
    else if (transferEncoding !== undefined) {
      // Transfer-Encoding wins over Content-Length (RFC 9112 §6.3), and such a connection is not reused.
      if (contentLength !== undefined) this.keepAlive = false;
      const codings = transferEncoding.toLowerCase().split(',');
      if (codings[codings.length - 1]?.trim() === 'chunked') this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        this.keepAlive = false;
      }
    } else if (contentLength !== undefined) {
      this.remaining = contentLength;
      this.state = contentLength === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
    this.receiver.head(code, headers);
    if (this.state === State.Done) this.finish();
  }

  /** Reads up to the next CRLF of the chunked framing (a size line, a chunk's end, a trailer). */
  private readChunkLine(data: Buffer, offset: number): number {
    const newline = data.indexOf(LF, offset);
    const end = newline === -1 ? data.length : newline + 1;
    this.line += data.toString('latin1', offset, end);
    // A chunk's data ends with CRLF and nothing else; a size line or trailer has a bounded length.
    if (this.state === State.ChunkDataEnd ? !'\r\n'.startsWith(this.line) : this.line.length > MAX_CHUNK_LINE) throw new UpstreamProtocolError('the upstream sent an invalid chunk');
    if (newline === -1) return end;
    const line = this.line;
    this.line = '';
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== CR) throw new UpstreamProtocolError('the upstream sent an invalid chunk');
    const text = line.slice(0, -2);
    if (this.state === State.ChunkDataEnd) {
      if (text !== '') throw new UpstreamProtocolError('the upstream sent an invalid chunk');
      this.state = State.ChunkSize;
    } else if (this.state === State.ChunkSize) {
      const size = CHUNK_SIZE.exec(text);
      if (size === null) throw new UpstreamProtocolError('the upstream sent an invalid chunk size');
      this.remaining = Number.parseInt(size[1] as string, 16);
      this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    } else if (text === '') this.finish(); // trailers (ignored) end with an empty line
    return end;
  }
}
