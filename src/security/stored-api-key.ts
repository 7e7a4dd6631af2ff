/**
 * The forms a project's API key takes in the database:
 * - plaintext (no ENCRYPTION_KEY when it was stored; also the empty string);
 * - `enc:v1:` + base64(nonce ‖ ciphertext ‖ tag): the Go original's format, which names no key;
 * - `enc:v2:<kid>:` + the same base64: what this proxy writes, `kid` being encryptionKeyId(key).
 */
const V1_PREFIX = 'enc:v1:';
const V2_PREFIX = 'enc:v2:';
const V2_PATTERN = /^enc:v2:([0-9a-f]{8}):([A-Za-z0-9+/=]*)$/;

export type StoredApiKey =
  | { readonly form: 'plaintext' }
  | { readonly form: 'v1'; readonly sealed: string }
  | { readonly form: 'v2'; readonly keyId: string; readonly sealed: string }
  /** Begins like a v2 value but is not one (cut short or edited by hand). */
  | { readonly form: 'malformed' };

export function parseStoredApiKey(stored: string): StoredApiKey {
  if (stored.startsWith(V1_PREFIX)) return { form: 'v1', sealed: stored.slice(V1_PREFIX.length) };
  if (!stored.startsWith(V2_PREFIX)) return { form: 'plaintext' };
  const match = V2_PATTERN.exec(stored);
  return match ? { form: 'v2', keyId: match[1] ?? '', sealed: match[2] ?? '' } : { form: 'malformed' };
}

export function formatStoredApiKey(keyId: string, sealed: string): string {
  return `${V2_PREFIX}${keyId}:${sealed}`;
}

/** True for every encrypted form (v1, v2, and a damaged v2 value, which is no plaintext either). */
export function isEncryptedValue(stored: string): boolean {
  return parseStoredApiKey(stored).form !== 'plaintext';
}
