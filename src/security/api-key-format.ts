/**
 * Whether an upstream API key can travel in an HTTP header. A key pasted from a document can
 * carry an en dash, a non-breaking space or a line break; node refuses such a header value when
 * the upstream request starts, so a key is checked at every edge where one enters (API, setup,
 * CLI) and when a stored one is loaded.
 */

// Visible ASCII only (0x21–0x7E): no spaces, controls or non-ASCII characters.
const HEADER_SAFE_KEY = /^[\x21-\x7e]+$/;

/** Why `key` cannot be used as an upstream API key, or undefined when it can. */
export function apiKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (HEADER_SAFE_KEY.test(key)) return undefined;
  const index = [...key].findIndex((char) => !HEADER_SAFE_KEY.test(char));
  const char = [...key][index] ?? '';
  const code = char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0') ?? '';
  return `contains a character that cannot be sent in an HTTP header (U+${code} at position ${index + 1}); paste the key again as plain text`;
}
