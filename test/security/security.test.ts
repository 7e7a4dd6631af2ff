import { describe, expect, it } from 'vitest';
import {
  createApiKeyCipher,
  createSecretMatcher,
  generateWitheringToken,
  hashToken,
  isEncryptedValue,
  isWellFormedToken,
  obfuscateSecret,
  redactTokens,
  tokenHint,
} from '../../src/security/index.js';

describe('withering tokens', () => {
  it('are sk- plus 22 base64url characters, all different', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateWitheringToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    for (const token of tokens) expect(isWellFormedToken(token)).toBe(true);
  });

  it.each(['', 'sk-', 'sk-short', 'sk-AAAAAAAAAAAAAAAAAAAAAAA', 'pk-AAAAAAAAAAAAAAAAAAAAAA', 'sk-AAAAAAAAAAAAAAAAAAAA+/', 'sk-AAAAAAAAAAAAAAAAAAAA A'])(
    'refuses %j',
    (text) => expect(isWellFormedToken(text)).toBe(false),
  );

  it('hash to lowercase hex SHA-256 and show a hint', () => {
    expect(hashToken('sk-AAAAAAAAAAAAAAAAAAAAAA')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHint('sk-AbCdEFGHIJKLMNOPQRWxYz')).toBe('sk-AbCd…WxYz');
  });

  it('are redacted from free text', () => {
    const token = 'sk-AbCdEFGHIJKLMNOPQRWxYz';
    expect(redactTokens(`/manage/tokens/${token}?x=1`)).toBe('/manage/tokens/sk-AbCd…WxYz?x=1');
    expect(redactTokens('no secrets here')).toBe('no secrets here');
  });
});

describe('obfuscation', () => {
  it.each([
    ['abc', '****'],
    ['sk-12345', '****'],
    ['sk-12345678', '****'],
    ['sk-123456789', '****6789'],
    ['sk-proj-abcdefghijklmnop', '****mnop'],
  ])('%s → %s', (secret, shown) => expect(obfuscateSecret(secret)).toBe(shown));
});

describe('API key encryption', () => {
  const key = Buffer.alloc(32, 1);

  it('round-trips with a fresh nonce each time, tagged with the key id (test/security/api-key-cipher.test.ts has the rest)', () => {
    const cipher = createApiKeyCipher(key);
    const a = cipher.encrypt('sk-live-secret');
    const b = cipher.encrypt('sk-live-secret');
    expect(a).not.toBe(b);
    expect(isEncryptedValue(a)).toBe(true);
    expect(a.startsWith(`enc:v2:${cipher.keyId ?? ''}:`)).toBe(true);
    expect(cipher.decrypt(a)).toBe('sk-live-secret');
  });

  it('passes plaintext through and refuses wrong or missing keys', () => {
    const stored = createApiKeyCipher(key).encrypt('sk-live-secret');
    expect(createApiKeyCipher(key).decrypt('sk-plain')).toBe('sk-plain');
    expect(() => createApiKeyCipher(Buffer.alloc(32, 2)).decrypt(stored)).toThrowError(/encrypted with key id \w{8}, which is not ENCRYPTION_KEY \(key id \w{8}\)/);
    expect(() => createApiKeyCipher(undefined).decrypt(stored)).toThrowError(/ENCRYPTION_KEY is not set/);
    expect(createApiKeyCipher(undefined).encrypt('sk-x')).toBe('sk-x');
    expect(() => createApiKeyCipher(Buffer.alloc(16))).toThrowError(/32 bytes/);
  });
});

describe('secret comparison', () => {
  it('matches only the exact secret', () => {
    const matches = createSecretMatcher('management-token');
    expect(matches('management-token')).toBe(true);
    expect(matches('management-token ')).toBe(false);
    expect(matches('')).toBe(false);
  });
});
