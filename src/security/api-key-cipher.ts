import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of project API keys: AES-256-GCM with a random 12-byte nonce, stored as
 * `enc:v1:` + base64(nonce ‖ ciphertext ‖ tag) — the Go original's format, so databases move
 * across. Without a key, values are stored and read as they are.
 */
const PREFIX = 'enc:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface ApiKeyCipher {
  readonly isEncrypting: boolean;
  encrypt(plaintext: string): string;
  /** Throws when the value is encrypted and the key is missing or wrong. */
  decrypt(stored: string): string;
}

export class ApiKeyDecryptionError extends Error {
  override readonly name = 'ApiKeyDecryptionError';
}

export function isEncryptedValue(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function createApiKeyCipher(key: Buffer | undefined): ApiKeyCipher {
  if (key !== undefined && key.length !== 32) throw new RangeError('encryption key must be exactly 32 bytes');
  return {
    isEncrypting: key !== undefined,
    encrypt(plaintext) {
      if (key === undefined || plaintext === '') return plaintext;
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return PREFIX + sealed.toString('base64');
    },
    decrypt(stored) {
      if (!isEncryptedValue(stored)) return stored;
      if (key === undefined) {
        throw new ApiKeyDecryptionError('API key is encrypted but ENCRYPTION_KEY is not set');
      }
      const sealed = Buffer.from(stored.slice(PREFIX.length), 'base64');
      if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new ApiKeyDecryptionError('encrypted API key is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      try {
        const plain = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
        return plain.toString('utf8');
      } catch (error) {
        throw new ApiKeyDecryptionError('API key could not be decrypted: ENCRYPTION_KEY is not the key it was stored with', {
          cause: error,
        });
      }
    },
  };
}
