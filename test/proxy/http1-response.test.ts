import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ResponseParser, UpstreamProtocolError } from '../../src/proxy/http1-response.js';

interface Parsed {
  status: number | undefined;
  headers: IncomingHttpHeaders | undefined;
  body: string;
  complete: boolean;
  keepAlive: boolean;
}

/** Feeds `wire` to a parser in pieces of `step` bytes (0: all at once). */
function parse(wire: string, { step = 0, expectsBody = true, closeAfter = false } = {}): Parsed {
  const parsed: Parsed = { status: undefined, headers: undefined, body: '', complete: false, keepAlive: true };
  const parser = new ResponseParser(
    {
      head(status, headers) {
        parsed.status = status;
        parsed.headers = headers;
      },
      body(chunk) {
        parsed.body += chunk.toString('latin1');
      },
      complete() {
        parsed.complete = true;
      },
    },
    expectsBody,
  );
  const bytes = Buffer.from(wire, 'latin1');
  const size = step === 0 ? bytes.length : step;
  for (let offset = 0; offset < bytes.length; offset += size) parser.feed(bytes.subarray(offset, offset + size));
  if (closeAfter) parser.end();
  parsed.keepAlive = parser.keepAlive;
  return parsed;
}

const LENGTH = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
const CHUNKED =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '6\r\ndata: \r\n' +
  '9;name=value\r\n{"n":1}\n\n\r\n' +
  '0\r\nX-Trailer: ignored\r\n\r\n';

describe('HTTP/1.1 response parser', () => {
  it.each([0, 1, 2, 3, 7])('reads a Content-Length body fed %i bytes at a time', (step) => {
    expect(parse(LENGTH, { step })).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-length': '11' },
      body: '{"ok":true}',
      complete: true,
      keepAlive: true,
    });
  });

  it.each([0, 1, 2, 5])('decodes a chunked body with extensions and trailers, fed %i bytes at a time', (step) => {
    const parsed = parse(CHUNKED, { step });
    expect([parsed.status, parsed.body, parsed.complete, parsed.keepAlive]).toEqual([200, 'data: {"n":1}\n\n', true, true]);
  });

  it('skips interim 1xx answers', () => {
    const parsed = parse(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${LENGTH}`);
    expect([parsed.status, parsed.body, parsed.headers?.link]).toEqual([200, '{"ok":true}', undefined]);
  });

  it('expects no body after a HEAD request, a 204 or a 304', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n', { expectsBody: false })).toMatchObject({ status: 200, body: '', complete: true });
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ status: 204, complete: true, keepAlive: true });
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')).toMatchObject({ status: 304, complete: true });
  });

  it('reads a body without length until the connection closes, and does not reuse that connection', () => {
    const open = parse('HTTP/1.1 200 OK\r\n\r\npart one, ');
    expect([open.body, open.complete, open.keepAlive]).toEqual(['part one, ', false, false]);
    expect(parse('HTTP/1.1 200 OK\r\n\r\nall of it', { closeAfter: true })).toMatchObject({ body: 'all of it', complete: true });
  });

  it('keeps a connection only when HTTP/1.1 allows it', () => {
    expect(parse(LENGTH.replace('OK\r\n', 'OK\r\nConnection: close\r\n')).keepAlive).toBe(false);
    expect(parse(LENGTH.replace('HTTP/1.1', 'HTTP/1.0')).keepAlive).toBe(false);
    expect(parse(LENGTH.replace('HTTP/1.1', 'HTTP/1.0').replace('OK\r\n', 'OK\r\nConnection: keep-alive\r\n')).keepAlive).toBe(true);
    // Transfer-Encoding beside Content-Length: the chunked framing wins and the connection is dropped after.
    const both = parse(CHUNKED.replace('chunked\r\n', 'chunked\r\nContent-Length: 3\r\n'));
    expect([both.body, both.keepAlive]).toEqual(['data: {"n":1}\n\n', false]);
  });

  it('gives headers in node’s shape: lower-case names, Set-Cookie as a list, repeats joined', () => {
    const parsed = parse('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Rate:  1 \r\nx-rate: 2\r\nContent-Length: 0\r\n\r\n');
    expect(parsed.headers).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'x-rate': '1, 2', 'content-length': '0' });
  });

  it.each([
    ['a status line it cannot read', 'HTTP/2 200 OK\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n'],
    ['a header name with a space', 'HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n'],
    ['a header value with a control character', 'HTTP/1.1 200 OK\r\nX-A: 1\u0001\r\n\r\n'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['a Content-Length that is not a number', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY'],
    ['bytes after the response', `${LENGTH}HTTP/1.1 200 OK\r\n\r\n`],
    ['a switch of protocols nobody asked for', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
    ['a head over 64 KiB', `HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(70 * 1024)}`],
  ])('refuses %s', (_name, wire) => {
    expect(() => parse(wire)).toThrow(UpstreamProtocolError);
  });

  it('reports a body cut short when the connection ends early', () => {
    const parser = new ResponseParser({ head() {}, body() {}, complete() {} }, true);
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(parser.end()).toBe(false);
    expect(parser.done).toBe(false);
  });
});
