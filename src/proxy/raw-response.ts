import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultErrorBody, ERROR_CATALOGUE, renderErrorBody, type ErrorCode } from '../errors.js';

/**
 * HTTP answers written straight on a socket, for requests node:http has handed over as a raw
 * socket (upgrades): there is no ServerResponse to write through.
 */

/** How long a socket we have ended may wait for its peer to close before it is destroyed. */
const LINGER_MS = 5000;

/** A status line and header block; `headers` is a flat [name, value, …] list of parsed, CRLF-free values. */
export function serializeHead(status: number, headers: readonly string[], reason?: string): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? reason ?? ''}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return `${head}\r\n`;
}

/**
 * Ends our side of a socket and lets the peer close its own (a destroy could cut bytes still
 * queued for it); a peer that neither reads nor closes is cut after a short linger.
 */
export function endSocket(socket: Duplex, last?: string | Buffer): void {
  if (socket.destroyed) return;
  socket.resume(); // read (and drop) what still comes, so the peer's close is seen
  if (last === undefined) socket.end();
  else socket.end(last);
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/** Answers with an error of the catalogue in the OpenAI shape, then closes the connection. */
export function writeErrorResponse(
  socket: Duplex,
  code: ErrorCode,
  options: { requestId?: string; message?: string; headers?: readonly string[] } = {},
): void {
  if (socket.destroyed || !socket.writable) return;
  const body = options.message === undefined ? defaultErrorBody(code) : renderErrorBody(code, options.message);
  const headers = ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close'];
  if (options.requestId !== undefined) headers.push('X-Request-ID', options.requestId);
  if (options.headers !== undefined) headers.push(...options.headers);
  endSocket(socket, serializeHead(ERROR_CATALOGUE[code].status, headers) + body);
}
