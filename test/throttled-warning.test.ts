import { describe, expect, it } from 'vitest';
import { throttledWarning, WARN_EVERY_MS } from '../src/throttled-warning.js';

describe('throttledWarning', () => {
  it('logs the first failure at once, then at most one every 10 s', () => {
    const lines: { fields: object; message: string }[] = [];
    let now = 1_000;
    const warn = throttledWarning({ warn: (fields, message) => void lines.push({ fields, message }) }, 'backend down', () => now);
    const failure = new Error('ECONNREFUSED');
    warn(failure);
    for (let i = 0; i < 100; i++) {
      now += 50;
      warn(failure);
    }
    expect(lines).toEqual([{ fields: { err: failure }, message: 'backend down' }]);
    now = 1_000 + WARN_EVERY_MS;
    warn(failure);
    expect(lines).toHaveLength(2);
  });
});
