import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/cache/canonical-json.js';
import { bodyDigest, deriveKey, varyMatches, varyValues, type KeyInput } from '../../src/cache/key.js';

describe('canonicalJson', () => {
  it.each([
    ['{"b":1,"a":2}', '{"a":2,"b":1}'],
    [' { "z" : { "y" : [ 1 , { "d":true, "c":null } ] , "x":"s" } } ', '{"z":{"x":"s","y":[1,{"c":null,"d":true}]}}'],
    ['"\\u0041\\n"', '"A\\n"'],
    ['[]', '[]'],
    ['{}', '{}'],
    ['-1.5e+3', '-1.5e+3'],
    ['12345678901234567890', '12345678901234567890'],
  ])('%s → %s', (text, expected) => expect(canonicalJson(text)).toBe(expected));

  it.each(['{"a":1,"a":2}', '{"a":1', '[1,]', '{"a":1,}', '01', 'NaN', "{'a':1}", '{"a":1} x', '', '"\u0001"'])('refuses %j', (text) => {
    expect(canonicalJson(text)).toBeUndefined();
  });

  it('keeps numbers JSON.parse would merge apart', () => {
    expect(canonicalJson('{"seed":12345678901234567890}')).not.toBe(canonicalJson('{"seed":12345678901234567891}'));
  });

  it('falls back (undefined) on nesting deeper than the stack', () => {
    expect(canonicalJson('['.repeat(100_000) + ']'.repeat(100_000))).toBeUndefined();
  });
});

describe('bodyDigest', () => {
  const json = 'application/json';
  it('ignores key order and whitespace of a JSON body', () => {
    const a = bodyDigest(Buffer.from('{"model":"m","messages":[{"role":"user","content":"hi"}]}'), json);
    const b = bodyDigest(Buffer.from('{ "messages": [ { "content": "hi", "role": "user" } ], "model": "m" }'), 'application/json; charset=utf-8');
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells different values apart', () => {
    expect(bodyDigest(Buffer.from('{"a":[1,2]}'), json)).not.toBe(bodyDigest(Buffer.from('{"a":[2,1]}'), json));
    expect(bodyDigest(Buffer.from('{"a":"1"}'), json)).not.toBe(bodyDigest(Buffer.from('{"a":1}'), json));
  });

  it('hashes the bytes of a non-JSON body, and never confuses the two forms', () => {
    const text = '{"a":1}';
    expect(bodyDigest(Buffer.from(text), 'text/plain')).not.toBe(bodyDigest(Buffer.from(text), json));
    expect(bodyDigest(Buffer.from('{ "a":1}'), 'text/plain')).not.toBe(bodyDigest(Buffer.from('{"a":1}'), 'text/plain'));
    expect(bodyDigest(Buffer.from('not json'), json)).toBe(bodyDigest(Buffer.from('not json'), 'application/octet-stream'));
  });

  it('has one value for no body', () => {
    expect(bodyDigest(undefined, json)).toBe(bodyDigest(Buffer.alloc(0), ''));
  });
});

describe('deriveKey', () => {
  const base: KeyInput = {
    projectId: 'p1',
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-one' },
    body: Buffer.from('{"model":"m","stream":false}'),
  };

  it('is stable, scoped by project, and short-keyed', () => {
    const key = deriveKey(base);
    expect(key.storageKey).toMatch(/^p1:[0-9a-f]{64}$/);
    expect(key.shortKey).toBe(key.storageKey.slice(3, 19));
    expect(deriveKey({ ...base, body: Buffer.from('{"stream":false,"model":"m"}') })).toEqual(key);
  });

  it.each([
    ['project', { projectId: 'p2' }],
    ['method', { method: 'GET' }],
    ['path', { url: '/v1/embeddings' }],
    ['query', { url: '/v1/chat/completions?x=1' }],
    ['body', { body: Buffer.from('{"model":"m","stream":true}') }],
    ['content type', { headers: { 'content-type': 'text/plain' } }],
    ['OpenAI-Beta', { headers: { ...base.headers, 'openai-beta': 'assistants=v2' } }],
    ['OpenAI-Organization', { headers: { ...base.headers, 'openai-organization': 'org-1' } }],
  ])('changes with the %s', (_name, change) => {
    expect(deriveKey({ ...base, ...change }).storageKey).not.toBe(deriveKey(base).storageKey);
  });

  it('does not depend on the token (another token of the project shares entries)', () => {
    expect(deriveKey({ ...base, headers: { ...base.headers, authorization: 'Bearer sk-two' } })).toEqual(deriveKey(base));
  });

  it('never shows the body in the short key', () => {
    const secret = 'my secret prompt';
    const key = deriveKey({ ...base, body: Buffer.from(JSON.stringify({ prompt: secret })) });
    expect(key.shortKey).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('Vary matching', () => {
  it('compares the named request headers', () => {
    const names = ['accept-language', 'x-a'];
    const stored = varyValues(names, { 'accept-language': 'de, en', 'x-a': undefined });
    expect(stored).toEqual(['de,en', '']);
    expect(varyMatches(names, stored, { 'accept-language': 'de,en' })).toBe(true);
    expect(varyMatches(names, stored, { 'accept-language': 'en' })).toBe(false);
    expect(varyMatches(names, stored, { 'accept-language': 'de,en', 'x-a': '1' })).toBe(false);
    expect(varyMatches([], [], { anything: 'x' })).toBe(true);
  });
});
