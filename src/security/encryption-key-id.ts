import { createHmac } from 'node:crypto';

/**
 * The key id ("kid") of an encryption key: the first 8 hex digits of HMAC-SHA256(key, a fixed
 * label). Stored beside each ciphertext so a value names the key that sealed it; safe to print
 * and log (one-way, and 32 bits say nothing useful about 256). Two keys share an id once in
 * about four billion pairs: decryption then simply tries both.
 */
export function encryptionKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('llm-proxy key id').digest('hex').slice(0, 8);
}
