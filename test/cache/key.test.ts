import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/cache/canonical-json.js';
import { deriveKey, keyedBody, varyMatches, varyValues, type KeyInput } from '../../src/cache/key.js';

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

describe('keyedBody', () => {
  const json = 'application/json';
  const keyed = (text: string | undefined, contentType: string) => keyedBody(text === undefined ? undefined : Buffer.from(text), contentType);

  it('ignores key order and whitespace of a JSON body', () => {
    const a = keyed('{"model":"m","messages":[{"role":"user","content":"hi"}]}', json);
    const b = keyed('{ "messages": [ { "content": "hi", "role": "user" } ], "model": "m" }', 'application/json; charset=utf-8');
    expect(a).toEqual(b);
    expect(a).toEqual({ kind: 'json', data: '{"messages":[{"content":"hi","role":"user"}],"model":"m"}' });
    expect(keyed('{"a":1}', 'application/vnd.api+json').kind).toBe('json');
  });

  it('tells different values apart', () => {
    expect(keyed('{"a":[1,2]}', json)).not.toEqual(keyed('{"a":[2,1]}', json));
    expect(keyed('{"a":"1"}', json)).not.toEqual(keyed('{"a":1}', json));
  });

  it('keeps the bytes of a non-JSON body', () => {
    expect(keyed('{"a":1}', 'text/plain')).toEqual({ kind: 'bytes', data: Buffer.from('{"a":1}') });
    expect(keyed('not json', json)).toEqual({ kind: 'bytes', data: Buffer.from('not json') });
  });

  it('has one value for no body', () => {
    expect(keyed(undefined, json)).toEqual({ kind: 'none' });
    expect(keyed('', '')).toEqual({ kind: 'none' });
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
    ['body kind (same text as JSON or as bytes)', { headers: { 'content-type': 'text/plain' }, body: Buffer.from('{"model":"m","stream":false}') }],
    ['absence of a body', { body: undefined }],
    ['OpenAI-Beta', { headers: { ...base.headers, 'openai-beta': 'assistants=v2' } }],
    ['OpenAI-Organization', { headers: { ...base.headers, 'openai-organization': 'org-1' } }],
  ])('changes with the %s', (_name, change) => {
    expect(deriveKey({ ...base, ...change }).storageKey).not.toBe(deriveKey(base).storageKey);
  });

  it('derives the same key for a request seen before, also once it left the memo of recent requests', () => {
    const fromScratch = (input: KeyInput) => deriveKey({ ...input, body: input.body === undefined ? undefined : Buffer.from(input.body) });
    const key = fromScratch(base);
    expect(fromScratch(base)).toEqual(key);
    // The key of a body is the hash of the request's fields and its canonical JSON, as before memoising.
    const expected = createHash('sha256')
      .update(JSON.stringify(['k1', 'p1', 'POST', '/v1/chat/completions', 'application/json', '', '', '', 'json']))
      .update('{"model":"m","stream":false}')
      .digest('hex');
    expect(key.storageKey).toBe(`p1:${expected}`);
    for (let i = 0; i < 600; i++) fromScratch({ ...base, body: Buffer.from(`{"n":${i}}`) });
    expect(fromScratch(base)).toEqual(key);
    const large = { ...base, body: Buffer.from(`{"z":"${'x'.repeat(5000)}","a":1}`) };
    expect(fromScratch(large)).toEqual(fromScratch({ ...large, body: Buffer.from(`{"a":1,"z":"${'x'.repeat(5000)}"}`) }));
    // Bytes that are not valid UTF-8 stay apart in the memo as in the hash.
    const bytes = { ...base, headers: { 'content-type': 'application/octet-stream' } };
    expect(fromScratch({ ...bytes, body: Buffer.from([0xff, 0x01]) })).not.toEqual(fromScratch({ ...bytes, body: Buffer.from([0xfe, 0x01]) }));
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
