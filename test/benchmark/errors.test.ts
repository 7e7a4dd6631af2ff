import { describe, expect, it } from 'vitest';
import { TargetUnreachableError, describeNetworkError } from '../../src/benchmark/index.js';
import { upstreamMsOf } from '../../src/benchmark/exchange.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('describeNetworkError', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'connection refused (ECONNREFUSED)'],
    [withCode('getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND'), 'host not found (ENOTFOUND)'],
    [withCode('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'), 'connection timed out (UND_ERR_CONNECT_TIMEOUT)'],
    [withCode('other side closed', 'UND_ERR_SOCKET'), 'other side closed (UND_ERR_SOCKET)'],
    [withCode('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'), 'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    [new Error('plain'), 'plain'],
    ['not an error', 'not an error'],
  ])('describes %s', (error, expected) => {
    expect(describeNetworkError(error)).toBe(expected);
  });

  it('looks inside an AggregateError, whose own message is empty', () => {
    const error = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:9')], ''), { code: 'EWHATEVER' });
    expect(describeNetworkError(error)).toBe('connect ECONNREFUSED ::1:9 (EWHATEVER)');
  });

  it('names the URL in the unreachable error', () => {
    expect(new TargetUnreachableError('http://127.0.0.1:9/v1/models', 'connection refused').message).toBe(
      'cannot reach http://127.0.0.1:9/v1/models: connection refused',
    );
  });
});

describe('upstreamMsOf', () => {
  it('subtracts Unix-nanosecond headers exactly', () => {
    expect(upstreamMsOf('1764259200000000000', '1764259200001234567')).toBe(1.234567);
  });

  it.each([
    [undefined, '1'],
    ['1', undefined],
    ['abc', '2'],
    ['1', '-2'],
    ['5', '4'],
    [['1', '2'], '3'],
  ])('is -1 for start %j and stop %j', (start, stop) => {
    expect(upstreamMsOf(start, stop)).toBe(-1);
  });
});
