import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ProxyError, isErrorCode, isProxyError, renderErrorBody } from '../src/errors.js';

describe('error catalogue', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it.each(Object.entries(ERROR_CATALOGUE))('%s is documented in the README with its status', (code, spec) => {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
  });

  it('documents no code that does not exist', () => {
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((match) => match[1]);
    expect(documented.filter((code) => !isErrorCode(code))).toEqual([]);
  });

  it('renders the OpenAI error shape', () => {
    expect(JSON.parse(renderErrorBody('token_expired'))).toEqual({
      error: { message: ERROR_CATALOGUE.token_expired.message, type: 'authentication_error', code: 'token_expired' },
    });
  });

  it('builds branded errors from codes', () => {
    const error = new ProxyError('token_quota_exhausted');
    expect([error.statusCode, error.exitCode, isProxyError(error), isProxyError(new Error('x'))]).toEqual([429, 1, true, false]);
  });
});
