import { describe, expect, it } from 'vitest';
import { clientIpOf } from '../../src/audit/index.js';

describe('clientIpOf', () => {
  it.each([
    ['the peer, by default', {}, '127.0.0.1', false, '127.0.0.1'],
    ['the peer, whatever the headers say, unless they are trusted', { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.8' }, '10.0.0.2', false, '10.0.0.2'],
    ['an IPv4 peer reached over IPv6, as IPv4', {}, '::ffff:192.0.2.1', false, '192.0.2.1'],
    ['the first X-Forwarded-For entry when trusted', { 'x-forwarded-for': ' 203.0.113.9 , 10.0.0.1' }, '10.0.0.2', true, '203.0.113.9'],
    ['X-Real-IP when there is no X-Forwarded-For', { 'x-real-ip': '2001:db8::7' }, '10.0.0.2', true, '2001:db8::7'],
    ['X-Real-IP when X-Forwarded-For is not an address', { 'x-forwarded-for': 'unknown', 'x-real-ip': '203.0.113.8' }, '10.0.0.2', true, '203.0.113.8'],
    ['the peer when neither header is an address', { 'x-forwarded-for': '<script>', 'x-real-ip': 'localhost' }, '10.0.0.2', true, '10.0.0.2'],
    ['nothing when there is no peer address', {}, undefined, false, null],
  ] as const)('%s', (_, headers, peer, trusted, expected) => {
    expect(clientIpOf(headers, peer, trusted)).toBe(expected);
  });
});
