import type { IncomingHttpHeaders } from 'node:http';
import { buildUpstreamHeaders, copyResponseHeaders } from './headers.js';
import { KEY_PROTOCOL_PREFIX, withProtocolKey } from './websocket-protocols.js';

const PROTOCOL = 'sec-websocket-protocol';

/**
 * Headers of an upgrade request sent upstream: the rules of every proxied request (hop-by-hop and
 * client-identity headers dropped, Host and Authorization set), then the Upgrade and Connection
 * headers an upgrade needs, and any key in Sec-WebSocket-Protocol replaced by the project's key.
 */
export function upgradeRequestHeaders(
  headers: IncomingHttpHeaders,
  host: string,
  authorization: string,
  projectKey: string,
  extra?: readonly string[],
): string[] {
  const out = buildUpstreamHeaders(headers, host, authorization, extra);
  for (let i = 0; i < out.length; i += 2) {
    if (out[i] === PROTOCOL) out[i + 1] = withProtocolKey(out[i + 1] as string, projectKey);
  }
  out.push('connection', 'Upgrade', 'upgrade', headers.upgrade ?? 'websocket');
  return out;
}

/**
 * Headers of the 101 passed to the client. An upstream may pick the key entry as its
 * sub-protocol: the client gets back the entry it offered, never the project's key.
 */
export function switchingProtocolsHeaders(upstreamHeaders: IncomingHttpHeaders, requestId: string, clientKeyProtocol: string | undefined): string[] {
  const out = copyResponseHeaders(upstreamHeaders, ['Upgrade', upstreamHeaders.upgrade ?? 'websocket', 'Connection', 'Upgrade', 'X-Request-ID', requestId], false);
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    const name = out[i] as string;
    let value = out[i + 1] as string;
    if (name === PROTOCOL && value.startsWith(KEY_PROTOCOL_PREFIX)) {
      if (clientKeyProtocol === undefined) continue;
      value = clientKeyProtocol;
    }
    kept.push(name, value);
  }
  return kept;
}
