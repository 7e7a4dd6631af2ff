import { describe, expect, it } from 'vitest';
import { deltaSeconds, parseAge, parseCacheControl, parseHttpDate, parseVary, requestDirectives } from '../../src/cache/cache-control.js';

describe('parseCacheControl', () => {
  it.each([
    ['max-age=60', [['max-age', '60']]],
    ['Public, MAX-AGE=60', [['public', ''], ['max-age', '60']]],
    ['  no-store ,  no-cache  ', [['no-store', ''], ['no-cache', '']]],
    ['private="set-cookie, x-a", max-age=5', [['private', 'set-cookie, x-a'], ['max-age', '5']]],
    ['max-age="30"', [['max-age', '30']]],
    ['no-cache="a\\"b", public', [['no-cache', 'a"b'], ['public', '']]],
    ['max-age=10, max-age=99', [['max-age', '10']]],
    [',,public,,', [['public', '']]],
    ['', []],
  ])('%j', (text, expected) => {
    expect([...parseCacheControl(text)]).toEqual(expected);
  });

  it('joins several field lines', () => {
    expect([...parseCacheControl(['public', 'max-age=3'])]).toEqual([
      ['public', ''],
      ['max-age', '3'],
    ]);
  });

  it.each([
    ['max-age=60', 60],
    ['max-age=abc', 0],
    ['max-age=-1', 0],
    ['max-age=', 0],
    ['max-age=99999999999', 2_147_483_648],
    ['public', undefined],
  ])('delta-seconds of %j', (text, expected) => {
    expect(deltaSeconds(parseCacheControl(text), 'max-age')).toBe(expected);
  });
});

describe('requestDirectives', () => {
  it('reads Pragma: no-cache only without Cache-Control', () => {
    expect(requestDirectives(undefined, 'no-cache').has('no-cache')).toBe(true);
    expect(requestDirectives(undefined, 'foo, No-Cache').has('no-cache')).toBe(true);
    expect(requestDirectives('max-age=5', 'no-cache').has('no-cache')).toBe(false);
    expect(requestDirectives(undefined, 'no-cachex').size).toBe(0);
  });
});

describe('dates, Age and Vary', () => {
  it('parses HTTP dates and refuses junk', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('0')).toBeUndefined();
    expect(parseHttpDate('2024-01-01')).toBeUndefined();
    expect(parseHttpDate(undefined)).toBeUndefined();
  });

  it.each([
    ['10', 10],
    ['x', 0],
    ['-3', 0],
    [undefined, 0],
  ])('Age %j → %d', (text, seconds) => expect(parseAge(text)).toBe(seconds));

  it('lists Vary names once, lower-case', () => {
    expect(parseVary('Accept-Encoding, origin, ACCEPT-encoding')).toEqual(['accept-encoding', 'origin']);
    expect(parseVary(['*'])).toEqual(['*']);
    expect(parseVary(undefined)).toEqual([]);
  });
});
