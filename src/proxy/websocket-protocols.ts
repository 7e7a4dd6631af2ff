/**
 * Browsers cannot set Authorization on a WebSocket, so OpenAI's realtime API also takes the key as
 * a sub-protocol, `openai-insecure-api-key.<key>`, in Sec-WebSocket-Protocol. The proxy reads a
 * withering token from there and puts the project's key in the same slot.
 */
export const KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';

/** The entries of a Sec-WebSocket-Protocol header (node joins repeated ones with ", "). */
function protocolsOf(header: string): string[] {
  return header.split(',').map((entry) => entry.trim());
}

/** The client's key entry (`openai-insecure-api-key.<token>`), or undefined when it sent none. */
export function keyProtocolOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return protocolsOf(header).find((entry) => entry.startsWith(KEY_PROTOCOL_PREFIX));
}

/** The header with every key entry carrying `key` instead (none of the client's keys goes upstream). */
export function withProtocolKey(header: string, key: string): string {
  return protocolsOf(header)
    .map((entry) => (entry.startsWith(KEY_PROTOCOL_PREFIX) ? KEY_PROTOCOL_PREFIX + key : entry))
    .join(', ');
}
