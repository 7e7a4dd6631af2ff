import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

const IPV4_MAPPED = '::ffff:';

function plainAddress(address: string): string {
  return address.startsWith(IPV4_MAPPED) && isIP(address.slice(IPV4_MAPPED.length)) === 4 ? address.slice(IPV4_MAPPED.length) : address;
}

function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The client's IP address: the connection's peer, or, when the proxy headers are trusted
 * (AUDIT_TRUST_PROXY_HEADERS, for a server behind a reverse proxy that sets them), the first
 * X-Forwarded-For entry, else X-Real-IP. A header value that is not an IP address is ignored:
 * anyone can send these headers, so they are trusted only when told to, and only as addresses.
 */
export function clientIpOf(headers: IncomingHttpHeaders, peerAddress: string | undefined, trustProxyHeaders: boolean): string | null {
  if (trustProxyHeaders) {
    const forwarded = firstHeaderValue(headers['x-forwarded-for'])?.split(',')[0]?.trim();
    if (forwarded !== undefined && isIP(forwarded) !== 0) return plainAddress(forwarded);
    const real = firstHeaderValue(headers['x-real-ip'])?.trim();
    if (real !== undefined && isIP(real) !== 0) return plainAddress(real);
  }
  return peerAddress === undefined ? null : plainAddress(peerAddress);
}
