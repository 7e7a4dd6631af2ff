import { describe, expect, it } from 'vitest';
import { builtInOpenAiProvider, createRequestPolicy, isNormalisedPath, type Provider } from '../../src/proxy/index.js';

const openai = builtInOpenAiProvider('https://api.openai.com');
const policy = createRequestPolicy(openai);

describe('path normalisation', () => {
  it.each([
    '/v1/models',
    '/v1/chat/completions',
    '/v1/files/file-abc/content',
    '/v1/models/ft%3Agpt',
    '/v1/models/.hidden',
    '/v1/models/...',
    '/v1/models/a;b',
    '/v1/files/100%25',
    '/v1/files/a%2525b',
    '/v1/files/%zz',
  ])('accepts %s', (path) =>
    expect(isNormalisedPath(path)).toBe(true),
  );
  it.each([
    'v1/models',
    '/v1//models',
    '/v1/models/',
    '/v1/./models',
    '/v1/../admin',
    '/v1/models/..',
    '/v1/%2e%2e/admin',
    '/v1/models%2F..%2Fadmin',
    '/v1/models%2fx',
    '/v1\\models',
    '/v1/%5Cadmin',
    '/v1/models/%252e%252e/admin',
    '/v1/models/%252E%252E/admin',
    '/v1/models/..%252fadmin',
    '/v1/models/..%255cadmin',
    '/v1/models/%25252e%25252e/admin',
    '/v1/models/%25%32%65%25%32%65/admin',
    '/v1/models/..;/admin',
    '/v1/models/..;x=1/admin',
    '/v1/models/.;/admin',
    '/v1/models/..%3b/admin',
    '/v1/models/..%253B/admin',
  ])('refuses %s', (path) => expect(isNormalisedPath(path)).toBe(false));
});

describe('request policy', () => {
  it.each([
    ['GET', '/v1/models'],
    ['GET', '/v1/models/gpt-4o'],
    ['POST', '/v1/chat/completions'],
    ['POST', '/v1/chat/completions?stream=true'],
    ['POST', '/v1/responses'],
    ['GET', '/v1/responses/resp_1/input_items'],
    ['DELETE', '/v1/files/file-1'],
    ['POST', '/v1/audio/transcriptions'],
  ])('lets %s %s through', (method, url) => expect(policy.check(method, url, undefined)).toBeUndefined());

  it.each([
    ['GET', '/v1/modelsX', 'endpoint_not_found'],
    ['GET', '/v1/model', 'endpoint_not_found'],
    ['GET', '/v1', 'endpoint_not_found'],
    ['POST', '/v1/organization/users', 'endpoint_not_found'],
    ['GET', '/v1/models/../../admin', 'invalid_path'],
    ['GET', '/v1/models%2F..%2F..%2Fadmin', 'invalid_path'],
    ['PUT', '/v1/models', 'method_not_allowed'],
    ['PATCH', '/v1/chat/completions', 'method_not_allowed'],
  ])('refuses %s %s with %s', (method, url, code) => expect(policy.check(method, url, undefined)).toBe(code));

  const browserOnly: Provider = { ...openai, allowedOrigins: ['https://app.example'], requireOrigin: true };
  const strict = createRequestPolicy(browserOnly);

  it('checks origins when configured', () => {
    expect(strict.check('GET', '/v1/models', 'https://app.example')).toBeUndefined();
    expect(strict.check('GET', '/v1/models', 'https://evil.example')).toBe('origin_not_allowed');
    expect(strict.check('GET', '/v1/models', undefined)).toBe('origin_required');
    expect(policy.check('GET', '/v1/models', 'https://anywhere.example')).toBeUndefined();
  });
});
