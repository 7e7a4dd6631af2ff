import { describe, expect, it } from 'vitest';
import { createRestartPolicy } from '../../src/cluster/restart-policy.js';

describe('restart policy of the workers', () => {
  it('replaces a worker that served a while at once', () => {
    const policy = createRestartPolicy();
    expect(policy.afterExit(60_000)).toEqual({ restartInMs: 0 });
    expect(policy.afterExit(60_000)).toEqual({ restartInMs: 0 });
  });

  it('backs off after crashes right after the start, and gives up after five in a row', () => {
    const policy = createRestartPolicy({ fastCrashMs: 10_000, maxFastCrashes: 5, baseDelayMs: 100, maxDelayMs: 300 });
    expect([1, 2, 3, 4].map(() => policy.afterExit(500))).toEqual([{ restartInMs: 100 }, { restartInMs: 200 }, { restartInMs: 300 }, { restartInMs: 300 }]);
    expect(policy.afterExit(500)).toEqual({ giveUp: expect.stringContaining('5 times in a row within 10s of starting') });
  });

  it('starts counting again after a worker that lived long enough', () => {
    const policy = createRestartPolicy({ maxFastCrashes: 2 });
    expect(policy.afterExit(1)).toEqual({ restartInMs: 100 });
    expect(policy.afterExit(20_000)).toEqual({ restartInMs: 0 });
    expect(policy.afterExit(1)).toEqual({ restartInMs: 100 });
  });
});
