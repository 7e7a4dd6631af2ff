import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { decideStorage, initialAge, judgeStored, planRequest, type Freshness, type RequestPlan } from '../../src/cache/policy.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const timing = { requestTime: T0, responseTime: T0 };
const httpDate = (ms: number): string => new Date(ms).toUTCString();

function plan(method: string, headers: IncomingHttpHeaders = {}): RequestPlan {
  const planned = planRequest(method, headers);
  if (!planned.cacheable) throw new Error(`not cacheable: ${planned.reason}`);
  return planned;
}

describe('planRequest', () => {
  it.each([
    ['GET', {}, { cacheable: true }],
    ['HEAD', {}, { cacheable: true }],
    ['POST', {}, { cacheable: false, reason: 'no-opt-in' }],
    ['POST', { 'cache-control': 'max-age=60' }, { cacheable: false, reason: 'no-opt-in' }],
    ['POST', { 'cache-control': 'public' }, { cacheable: false, reason: 'no-opt-in' }],
    ['POST', { 'cache-control': 'public, max-age=0' }, { cacheable: false, reason: 'no-opt-in' }],
    ['POST', { 'cache-control': 'public, max-age=60' }, { cacheable: true, optInSeconds: 60 }],
    ['POST', { 'cache-control': 'Public, S-MAXAGE=30, max-age=60' }, { cacheable: true, optInSeconds: 30 }],
    ['PUT', { 'cache-control': 'public, max-age=60' }, { cacheable: false, reason: 'method' }],
    ['DELETE', {}, { cacheable: false, reason: 'method' }],
    ['POST', { 'cache-control': 'only-if-cached' }, { cacheable: false, onlyIfCached: true }],
  ] as const)('%s %j', (method, headers, expected) => {
    expect(planRequest(method, headers)).toMatchObject(expected);
  });

  it.each([
    [{}, { mayUseStored: true, mayStore: true, maxAge: undefined, minFresh: undefined, maxStale: undefined, onlyIfCached: false }],
    [{ 'cache-control': 'no-cache' }, { mayUseStored: false, mayStore: true }],
    [{ pragma: 'no-cache' }, { mayUseStored: false }],
    [{ 'cache-control': 'max-age=5', pragma: 'no-cache' }, { mayUseStored: true, maxAge: 5 }],
    [{ 'cache-control': 'no-store' }, { mayStore: false, mayUseStored: true }],
    [{ 'cache-control': 'max-age=0' }, { maxAge: 0 }],
    [{ 'cache-control': 'min-fresh=20' }, { minFresh: 20 }],
    [{ 'cache-control': 'max-stale' }, { maxStale: Infinity }],
    [{ 'cache-control': 'max-stale=7' }, { maxStale: 7 }],
    [{ 'cache-control': 'only-if-cached' }, { onlyIfCached: true }],
  ])('GET with %j', (headers, expected) => {
    expect(plan('GET', headers)).toMatchObject(expected);
  });
});

describe('decideStorage', () => {
  const optInPost = plan('POST', { 'cache-control': 'public, max-age=600' });
  const get = plan('GET');
  const optInGet = plan('GET', { 'cache-control': 'public, max-age=120' });
  const dated = { date: httpDate(T0) };

  it.each([
    // [name, plan, status, response headers, expected]
    ['GET public max-age', get, 200, { 'cache-control': 'public, max-age=60' }, { store: true, lifetimeSeconds: 60, source: 'response' }],
    ['GET s-maxage over max-age', get, 200, { 'cache-control': 'max-age=60, s-maxage=10' }, { store: true, lifetimeSeconds: 10, mustRevalidate: true }],
    ['GET must-revalidate max-age', get, 200, { 'cache-control': 'must-revalidate, max-age=60' }, { store: true, lifetimeSeconds: 60, mustRevalidate: true }],
    ['GET max-age alone: Authorization makes it private (§3.5)', get, 200, { 'cache-control': 'max-age=60' }, { store: false, reason: 'authorization' }],
    ['GET no headers', get, 200, {}, { store: false, reason: 'authorization' }],
    ['GET public Expires', get, 200, { ...dated, 'cache-control': 'public', expires: httpDate(T0 + 90_000) }, { store: true, lifetimeSeconds: 90 }],
    ['GET public invalid Expires', get, 200, { ...dated, 'cache-control': 'public', expires: '0' }, { store: false, reason: 'stale' }],
    ['GET max-age beats Expires', get, 200, { ...dated, 'cache-control': 'public, max-age=5', expires: httpDate(T0 + 90_000) }, { store: true, lifetimeSeconds: 5 }],
    ['GET public, no expiry: default TTL', get, 200, { 'cache-control': 'public' }, { store: true, lifetimeSeconds: 300, source: 'default-ttl' }],
    ['GET no-store', get, 200, { 'cache-control': 'public, max-age=60, no-store' }, { store: false, reason: 'no-store' }],
    ['GET private', get, 200, { 'cache-control': 'public, max-age=60, private' }, { store: false, reason: 'private' }],
    ['GET qualified private', get, 200, { 'cache-control': 'public, max-age=60, private="x-a"' }, { store: false, reason: 'private' }],
    ['GET no-cache response', get, 200, { 'cache-control': 'public, max-age=60, no-cache' }, { store: false, reason: 'no-cache' }],
    ['GET Vary: *', get, 200, { 'cache-control': 'public, max-age=60', vary: '*' }, { store: false, reason: 'vary-star' }],
    ['GET Vary names', get, 200, { 'cache-control': 'public, max-age=60', vary: 'Accept-Language, X-A' }, { store: true, vary: ['accept-language', 'x-a'] }],
    ['GET 404 public max-age', get, 404, { 'cache-control': 'public, max-age=60' }, { store: true }],
    ['GET 500 public max-age', get, 500, { 'cache-control': 'public, max-age=60' }, { store: false, reason: 'status' }],
    ['GET 206', get, 206, { 'cache-control': 'public, max-age=60' }, { store: false, reason: 'status' }],
    ['GET Content-Range', get, 200, { 'cache-control': 'public, max-age=60', 'content-range': 'bytes 0-1/2' }, { store: false, reason: 'partial' }],
    ['GET Age past max-age', get, 200, { 'cache-control': 'public, max-age=60', age: '61' }, { store: false, reason: 'stale' }],
    ['GET opt-in, silent upstream', optInGet, 200, {}, { store: true, lifetimeSeconds: 120, source: 'opt-in' }],
    ['GET opt-in, 404 not kept on the client word', optInGet, 404, {}, { store: false, reason: 'status' }],
    ['GET opt-in, upstream private wins', optInGet, 200, { 'cache-control': 'private' }, { store: false, reason: 'private' }],
    ['GET opt-in, upstream max-age=0 wins', optInGet, 200, { 'cache-control': 'max-age=0' }, { store: false, reason: 'stale' }],
    ['POST opt-in', optInPost, 200, {}, { store: true, lifetimeSeconds: 600, source: 'opt-in', mustRevalidate: false }],
    ['POST opt-in, upstream max-age', optInPost, 200, { 'cache-control': 'max-age=30' }, { store: true, lifetimeSeconds: 30, source: 'response' }],
    ['POST opt-in, 400', optInPost, 400, {}, { store: false, reason: 'status' }],
    ['POST opt-in, 429', optInPost, 429, {}, { store: false, reason: 'status' }],
    ['POST opt-in, 500', optInPost, 500, { 'cache-control': 'public, max-age=60' }, { store: false, reason: 'status' }],
    ['POST opt-in, 404', optInPost, 404, { 'cache-control': 'public, max-age=60' }, { store: false, reason: 'status' }],
    ['POST opt-in, SSE with no-cache (anti-buffering)', optInPost, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, { store: true, lifetimeSeconds: 600 }],
    ['GET opt-in, no-cache', optInGet, 200, { 'cache-control': 'no-cache' }, { store: true, lifetimeSeconds: 120 }],
    ['POST opt-in, no-store', optInPost, 200, { 'cache-control': 'no-store' }, { store: false, reason: 'no-store' }],
    ['POST opt-in, Vary: *', optInPost, 200, { vary: '*' }, { store: false, reason: 'vary-star' }],
    ['request no-store', plan('POST', { 'cache-control': 'public, max-age=60, no-store' }), 200, {}, { store: false, reason: 'request-no-store' }],
  ] as const)('%s', (_name, planned, status, headers, expected) => {
    expect(decideStorage(planned, status, headers, timing, 300)).toMatchObject(expected);
  });

  it('gives no default TTL when HTTP_CACHE_DEFAULT_TTL is 0', () => {
    expect(decideStorage(get, 200, { 'cache-control': 'public' }, timing, 0)).toMatchObject({ store: false, reason: 'stale' });
  });
});

describe('initialAge (RFC 9111 §4.2.3)', () => {
  it.each([
    ['no Date, no Age, instant', {}, { requestTime: T0, responseTime: T0 }, 0],
    ['response delay counts', {}, { requestTime: T0, responseTime: T0 + 2000 }, 2],
    ['Age plus delay', { age: '10' }, { requestTime: T0, responseTime: T0 + 1000 }, 11],
    ['apparent age from an old Date', { date: httpDate(T0 - 30_000) }, { requestTime: T0, responseTime: T0 }, 30],
    ['a Date in the future is no negative age', { date: httpDate(T0 + 30_000) }, { requestTime: T0, responseTime: T0 }, 0],
    ['the larger of apparent and corrected', { date: httpDate(T0 - 5000), age: '20' }, { requestTime: T0, responseTime: T0 }, 20],
  ])('%s', (_name, headers, at, seconds) => {
    expect(initialAge(headers, at)).toBe(seconds);
  });
});

describe('judgeStored', () => {
  const entry: Freshness = { responseTime: T0, lifetimeSeconds: 100, initialAgeSeconds: 10, mustRevalidate: false };
  const at = (seconds: number): number => T0 + seconds * 1000;

  it.each([
    ['fresh', {}, entry, 0, { usable: true, ageSeconds: 10, ttlSeconds: 90 }],
    ['just before expiry', {}, entry, 89, { usable: true }],
    ['at expiry', {}, entry, 90, { usable: false, reason: 'stale' }],
    ['no-cache', { 'cache-control': 'no-cache' }, entry, 0, { usable: false, reason: 'request' }],
    ['Pragma: no-cache', { pragma: 'no-cache' }, entry, 0, { usable: false, reason: 'request' }],
    ['max-age=0', { 'cache-control': 'max-age=0' }, entry, 0, { usable: false, reason: 'request' }],
    ['max-age under the age', { 'cache-control': 'max-age=15' }, entry, 10, { usable: false, reason: 'request' }],
    ['max-age over the age', { 'cache-control': 'max-age=15' }, entry, 5, { usable: true }],
    ['min-fresh met', { 'cache-control': 'min-fresh=50' }, entry, 40, { usable: true }],
    ['min-fresh not met', { 'cache-control': 'min-fresh=50' }, entry, 41, { usable: false, reason: 'request' }],
    ['max-stale within', { 'cache-control': 'max-stale=20' }, entry, 105, { usable: true, ttlSeconds: -15 }],
    ['max-stale beyond', { 'cache-control': 'max-stale=20' }, entry, 111, { usable: false, reason: 'stale' }],
    ['bare max-stale', { 'cache-control': 'max-stale' }, entry, 10_000, { usable: true }],
    ['max-stale vs must-revalidate', { 'cache-control': 'max-stale' }, { ...entry, mustRevalidate: true }, 95, { usable: false, reason: 'stale' }],
    ['only-if-cached, fresh', { 'cache-control': 'only-if-cached' }, entry, 0, { usable: true }],
  ] as const)('%s', (_name, headers, stored, seconds, expected) => {
    expect(judgeStored(plan('GET', headers), stored, at(seconds))).toMatchObject(expected);
  });
});
