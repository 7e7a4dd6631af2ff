import { describe, expect, it } from 'vitest';
import { apiKeyProblem } from '../../src/security/index.js';

describe('apiKeyProblem', () => {
  it('accepts keys of visible ASCII characters', () => {
    expect(apiKeyProblem('sk-proj-AbC_123-xyz')).toBeUndefined();
  });

  it('names the first character that cannot travel in a header, and where it is', () => {
    expect(apiKeyProblem('sk\u2013abc')).toMatch(/U\+2013 at position 3/);
    expect(apiKeyProblem('sk-abc def')).toMatch(/U\+0020 at position 7/);
    expect(apiKeyProblem('sk-abc\n')).toMatch(/U\+000A/);
    expect(apiKeyProblem('sk-ab\u001b[Dc')).toMatch(/U\+001B/);
  });

  it('refuses an empty key', () => {
    expect(apiKeyProblem('')).toBe('must not be empty');
  });
});
