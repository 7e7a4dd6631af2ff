import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CATALOGUE, renderErrorBody, type ErrorCode } from '../errors.js';

/** The slice of a pino logger this module uses. */
interface ClientErrorLogger {
  debug(fields: object, message: string): void;
}

interface ParserError extends Error {
  readonly code?: string;
  /** The bytes node was parsing (a Buffer): may hold a token, so never logged. */
  readonly rawPacket?: unknown;
}

/** Node refuses a request line plus headers over maxHeaderSize as one error; a request line that never ended is a long URI. */
const REQUEST_LINE_START = /^[A-Z]{3,16} /;
const LONG_REQUEST_LINE = 4096;

function isLongRequestLine(rawPacket: unknown): boolean {
  if (!Buffer.isBuffer(rawPacket)) return false;
  const head = rawPacket.subarray(0, 32).toString('latin1');
  if (!REQUEST_LINE_START.test(head)) return false;
  const lineEnd = rawPacket.indexOf('\r\n');
  return lineEnd === -1 || lineEnd > LONG_REQUEST_LINE;
}

/** The catalogue code of an error node's HTTP parser or request timer raised on a connection. */
export function clientErrorCode(error: ParserError): ErrorCode {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout';
    case 'HPE_HEADER_OVERFLOW':
      return isLongRequestLine(error.rawPacket) ? 'uri_too_long' : 'headers_too_large';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'request_too_large';
    default:
      return 'malformed_request';
  }
}

function rawErrorResponse(code: ErrorCode): string {
  const status = ERROR_CATALOGUE[code].status;
  const body = renderErrorBody(code);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/**
 * The http server's 'clientError' listener: what node's parser refuses (bad request line, headers
 * too large, headers too slow) is answered in the OpenAI error shape, like everything else, and
 * the connection closed. Nothing is written when a response already started on the socket.
 */
export function createClientErrorHandler(log: ClientErrorLogger): (error: ParserError, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const code = clientErrorCode(error);
    log.debug({ code, parser_code: error.code }, 'client error');
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(rawErrorResponse(code), () => socket.destroy());
  };
}

/**
 * Answers an HTTP/1.1 request without a Host header (node's own check answers an empty 400).
 * True when it answered.
 */
export function refuseMissingHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false;
  const body = renderErrorBody('malformed_request', 'HTTP/1.1 request without a Host header');
  res.writeHead(400, ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close']);
  res.end(body);
  return true;
}
