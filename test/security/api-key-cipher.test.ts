import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKeyCipher, encryptionKeyId, isEncryptedValue, parseStoredApiKey } from '../../src/security/index.js';

const OLD = Buffer.alloc(32, 1);
const NEW = Buffer.alloc(32, 2);
const OTHER = Buffer.alloc(32, 3);

/** A value in the Go original's format (`enc:v1:`, no key id), sealed the way it seals. */
function goValue(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return 'enc:v1:' + Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/** Every base64 form of a key, so an error can be checked to contain none of them. */
const keyTexts = (...keys: Buffer[]): string[] => keys.flatMap((key) => [key.toString('base64'), key.toString('hex')]);

describe('key ids', () => {
  it('are 8 hex digits of HMAC-SHA256(key, "llm-proxy key id"): stable, different per key', () => {
    expect(encryptionKeyId(OLD)).toMatch(/^[0-9a-f]{8}$/);
    expect(encryptionKeyId(OLD)).toBe(encryptionKeyId(Buffer.from(OLD)));
    expect(encryptionKeyId(OLD)).not.toBe(encryptionKeyId(NEW));
    // Pinned (checked with openssl dgst -sha256 -mac HMAC): a change would orphan every stored key id.
    expect(encryptionKeyId(Buffer.alloc(32, 0))).toBe('fd2b4afc');
  });
});

describe('keyring cipher', () => {
  it('encrypts under ENCRYPTION_KEY as enc:v2:<kid>:…, with a fresh nonce each time', () => {
    const cipher = createApiKeyCipher(NEW, OLD);
    const [a, b] = [cipher.encrypt('sk-live-secret'), cipher.encrypt('sk-live-secret')];
    expect(a).not.toBe(b);
    expect(a.startsWith(`enc:v2:${encryptionKeyId(NEW)}:`)).toBe(true);
    expect(parseStoredApiKey(a)).toEqual({ form: 'v2', keyId: encryptionKeyId(NEW), sealed: expect.any(String) });
    expect([cipher.keyId, cipher.previousKeyId]).toEqual([encryptionKeyId(NEW), encryptionKeyId(OLD)]);
    expect(cipher.decrypt(a)).toBe('sk-live-secret');
    expect(cipher.isSealedByCurrentKey(a)).toBe(true);
    expect(cipher.encrypt('')).toBe('');
  });

  it('decrypts values of ENCRYPTION_KEY_PREVIOUS, which never encrypts', () => {
    const stored = createApiKeyCipher(OLD).encrypt('sk-old-secret');
    const ring = createApiKeyCipher(NEW, OLD);
    expect(ring.decrypt(stored)).toBe('sk-old-secret');
    expect(ring.isSealedByCurrentKey(stored)).toBe(false);
    expect(ring.encrypt('x')).toMatch(new RegExp(`^enc:v2:${encryptionKeyId(NEW)}:`));
  });

  it("reads the Go original's enc:v1 values with the current or the previous key", () => {
    expect(isEncryptedValue(goValue(OLD, 'sk-go'))).toBe(true);
    expect(createApiKeyCipher(OLD).decrypt(goValue(OLD, 'sk-go'))).toBe('sk-go');
    expect(createApiKeyCipher(NEW, OLD).decrypt(goValue(OLD, 'sk-go'))).toBe('sk-go');
    expect(createApiKeyCipher(NEW, OLD).decrypt(goValue(NEW, 'sk-go-new'))).toBe('sk-go-new');
    expect(() => createApiKeyCipher(NEW).decrypt(goValue(OLD, 'sk-go'))).toThrowError(/stored with is not ENCRYPTION_KEY \(key id \w{8}\)$/);
    const error = (() => {
      try {
        createApiKeyCipher(NEW, OTHER).decrypt(goValue(OLD, 'sk-go'));
      } catch (thrown) {
        return thrown as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/enc:v1, no key id.*is neither ENCRYPTION_KEY \(key id \w{8}\) nor ENCRYPTION_KEY_PREVIOUS \(key id \w{8}\)/);
  });

  it('names an unknown key id, and the ids of the ring, never a key', () => {
    const stored = createApiKeyCipher(OTHER).encrypt('sk-other');
    let message = '';
    try {
      createApiKeyCipher(NEW, OLD).decrypt(stored);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`key id ${encryptionKeyId(OTHER)}, which is neither ENCRYPTION_KEY (key id ${encryptionKeyId(NEW)})`);
    expect(message).toContain(`ENCRYPTION_KEY_PREVIOUS (key id ${encryptionKeyId(OLD)})`);
    expect(message).toContain(`set ENCRYPTION_KEY_PREVIOUS to the key with id ${encryptionKeyId(OTHER)}`);
    for (const text of keyTexts(NEW, OLD, OTHER)) expect(message).not.toContain(text);
    expect(() => createApiKeyCipher(undefined).decrypt(stored)).toThrowError(`API key is encrypted (key id ${encryptionKeyId(OTHER)}) but ENCRYPTION_KEY is not set`);
  });

  it('refuses a damaged value whose key id matches (wrong tag), a cut one and a malformed one', () => {
    const cipher = createApiKeyCipher(NEW);
    const stored = cipher.encrypt('sk-live-secret');
    const sealed = Buffer.from(stored.slice(stored.lastIndexOf(':') + 1), 'base64');
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
    const tampered = stored.slice(0, stored.lastIndexOf(':') + 1) + sealed.toString('base64');
    expect(() => cipher.decrypt(tampered)).toThrowError(/key id \w{8}\) could not be decrypted: the stored value is damaged/);
    expect(() => cipher.decrypt(`enc:v2:${cipher.keyId ?? ''}:AAAA`)).toThrowError(/truncated/);
    expect(() => cipher.decrypt('enc:v2:not-a-kid')).toThrowError(/damaged: it begins with enc:v2:/);
    expect(parseStoredApiKey('enc:v2:not-a-kid').form).toBe('malformed');
  });

  it('passes plaintext through, with or without keys', () => {
    expect(createApiKeyCipher(NEW, OLD).decrypt('sk-plain')).toBe('sk-plain');
    expect(createApiKeyCipher(undefined).decrypt('sk-plain')).toBe('sk-plain');
    expect(createApiKeyCipher(undefined).encrypt('sk-x')).toBe('sk-x');
    expect(parseStoredApiKey('sk-plain').form).toBe('plaintext');
    expect(isEncryptedValue('')).toBe(false);
  });

  it('refuses keys of the wrong size, and a previous key without a current one', () => {
    expect(() => createApiKeyCipher(Buffer.alloc(16))).toThrowError(/ENCRYPTION_KEY must be exactly 32 bytes/);
    expect(() => createApiKeyCipher(NEW, Buffer.alloc(31))).toThrowError(/ENCRYPTION_KEY_PREVIOUS must be exactly 32 bytes/);
    expect(() => createApiKeyCipher(undefined, OLD)).toThrowError(/needs ENCRYPTION_KEY/);
  });
});
