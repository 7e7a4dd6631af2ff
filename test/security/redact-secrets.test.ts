import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/security/index.js';

describe('redactSecrets', () => {
  it('replaces API keys, bearer and basic credentials, and withering tokens', () => {
    const text = 'key sk-proj-abcdefghijklmnopqrstuvwxyz012345 header "Authorization: Bearer abc.def-ghi_jkl" basic BASIC dXNlcjpwYXNzd29yZA== token sk-AbCdEfGhIjKlMnOpQrStUv';
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    expect(redacted).not.toContain('abc.def-ghi_jkl');
    expect(redacted).not.toContain('dXNlcjpwYXNzd29yZA==');
    expect(redacted).not.toContain('sk-AbCdEfGhIjKlMnOpQrStUv');
    expect(redacted).toContain('sk-[redacted]');
    expect(redacted).toContain('Bearer [redacted]');
    expect(redacted).toContain('BASIC [redacted]');
  });

  it('replaces credentials without digits or symbols when their case is mixed (base64 of user:pass)', () => {
    expect(redactSecrets('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: Basic [redacted]');
    expect(redactSecrets('bearer abcdefghijkl0')).toBe('bearer [redacted]');
  });

  it('returns a text with nothing to redact as it is', () => {
    const prose = ['Basic knowledge of chemistry helps', 'a bearer instrument, like bearer bonds', 'basic questionnaire'];
    for (const text of ['', '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}', 'a question about bears', 'risk-free', ...prose]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});
