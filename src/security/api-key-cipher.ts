import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { encryptionKeyId } from './encryption-key-id.js';
import { formatStoredApiKey, parseStoredApiKey } from './stored-api-key.js';

/**
 * Encryption at rest of project API keys: AES-256-GCM with a random 12-byte nonce, stored as
 * `enc:v2:<kid>:` + base64(nonce ‖ ciphertext ‖ tag), where kid names the key (encryption-key-id.ts).
 * A keyring of two keys: ENCRYPTION_KEY seals and opens, ENCRYPTION_KEY_PREVIOUS only opens, so
 * a key can be rotated while values sealed by the old one are still around. The Go original's
 * `enc:v1:` values (same sealing, no kid) are read by trying both keys. Without a key, values are
 * stored and read as they are. Errors name key ids, never a key.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface ApiKeyCipher {
  readonly isEncrypting: boolean;
  /** The id of ENCRYPTION_KEY, which new values are sealed with; undefined without a key. */
  readonly keyId: string | undefined;
  /** The id of ENCRYPTION_KEY_PREVIOUS (decrypts only), when set. */
  readonly previousKeyId: string | undefined;
  encrypt(plaintext: string): string;
  /** Throws ApiKeyDecryptionError when the value is encrypted and no key of the ring opens it. */
  decrypt(stored: string): string;
  /** True when `stored` is sealed by ENCRYPTION_KEY in the current format: nothing to re-encrypt. */
  isSealedByCurrentKey(stored: string): boolean;
}

export class ApiKeyDecryptionError extends Error {
  override readonly name = 'ApiKeyDecryptionError';
}

interface RingKey {
  readonly key: Buffer;
  readonly id: string;
  readonly name: 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS';
}

function seal(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** The plaintext, or undefined when `key` is not the one that sealed the value (GCM's tag says so). */
function open(key: Buffer, sealed: Buffer): string | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function ringKey(key: Buffer, name: RingKey['name']): RingKey {
  if (key.length !== KEY_BYTES) throw new RangeError(`${name} must be exactly ${KEY_BYTES} bytes`);
  return { key, id: encryptionKeyId(key), name };
}

/** "neither ENCRYPTION_KEY (key id 1a2b3c4d) nor ENCRYPTION_KEY_PREVIOUS (key id …)", or "not ENCRYPTION_KEY (…)": for errors. */
function notInRing(ring: readonly RingKey[]): string {
  const names = ring.map((entry) => `${entry.name} (key id ${entry.id})`);
  return names.length === 1 ? `not ${names[0] ?? ''}` : `neither ${names.join(' nor ')}`;
}

export function createApiKeyCipher(current: Buffer | undefined, previous?: Buffer): ApiKeyCipher {
  if (current === undefined && previous !== undefined) throw new RangeError('ENCRYPTION_KEY_PREVIOUS needs ENCRYPTION_KEY');
  const ring = [
    ...(current === undefined ? [] : [ringKey(current, 'ENCRYPTION_KEY')]),
    ...(previous === undefined ? [] : [ringKey(previous, 'ENCRYPTION_KEY_PREVIOUS')]),
  ];
  const [sealing] = ring;

  /** The plaintext from the first candidate key that opens the value, or undefined. */
  function openWithAny(candidates: readonly RingKey[], sealedText: string, label: string): string | undefined {
    const sealed = Buffer.from(sealedText, 'base64');
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new ApiKeyDecryptionError(`encrypted API key ${label}is truncated`);
    for (const candidate of candidates) {
      const plaintext = open(candidate.key, sealed);
      if (plaintext !== undefined) return plaintext;
    }
    return undefined;
  }

  return {
    isEncrypting: sealing !== undefined,
    keyId: sealing?.id,
    previousKeyId: ring[1]?.id,
    encrypt(plaintext) {
      if (sealing === undefined || plaintext === '') return plaintext;
      return formatStoredApiKey(sealing.id, seal(sealing.key, plaintext));
    },
    decrypt(stored) {
      const parsed = parseStoredApiKey(stored);
      if (parsed.form === 'plaintext') return stored;
      if (parsed.form === 'malformed') throw new ApiKeyDecryptionError('stored API key is damaged: it begins with enc:v2: but has no key id and base64 after it');
      const label = parsed.form === 'v2' ? `(key id ${parsed.keyId}) ` : '';
      if (ring.length === 0) throw new ApiKeyDecryptionError(`API key is encrypted ${label}but ENCRYPTION_KEY is not set`);
      if (parsed.form === 'v1') {
        // The Go original's format names no key: whichever key's tag checks out sealed it.
        const plaintext = openWithAny(ring, parsed.sealed, label);
        if (plaintext !== undefined) return plaintext;
        throw new ApiKeyDecryptionError(`API key (enc:v1, no key id) could not be decrypted: the key it was stored with is ${notInRing(ring)}`);
      }
      const matching = ring.filter((entry) => entry.id === parsed.keyId);
      if (matching.length === 0) {
        throw new ApiKeyDecryptionError(
          `API key was encrypted with key id ${parsed.keyId}, which is ${notInRing(ring)}: set ENCRYPTION_KEY_PREVIOUS to the key with id ${parsed.keyId}`,
        );
      }
      const plaintext = openWithAny(matching, parsed.sealed, label);
      if (plaintext !== undefined) return plaintext;
      throw new ApiKeyDecryptionError(`API key ${label}could not be decrypted: the stored value is damaged (its authentication tag does not match)`);
    },
    isSealedByCurrentKey(stored) {
      const parsed = parseStoredApiKey(stored);
      return sealing !== undefined && parsed.form === 'v2' && parsed.keyId === sealing.id;
    },
  };
}
