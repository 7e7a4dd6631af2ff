import { describe, expect, it } from 'vitest';
import { isDeadlock, retryDeadlocks } from '../../src/store/deadlock-retry.js';

describe('retryDeadlocks', () => {
  it('runs a deadlock victim again, a bounded number of times; other errors at once', async () => {
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    let calls = 0;
    expect(await retryDeadlocks(async () => (++calls < 3 ? Promise.reject(deadlock) : 'done'))).toBe('done');
    expect(calls).toBe(3);

    calls = 0;
    const mysqlDeadlock = Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' });
    await expect(retryDeadlocks(async () => Promise.reject(mysqlDeadlock).finally(() => (calls += 1)))).rejects.toBe(mysqlDeadlock);
    expect(calls).toBe(4);

    calls = 0;
    const unique = Object.assign(new Error('duplicate'), { code: '23505' });
    await expect(retryDeadlocks(async () => Promise.reject(unique).finally(() => (calls += 1)))).rejects.toBe(unique);
    expect(calls).toBe(1);
    expect([isDeadlock(deadlock), isDeadlock(unique), isDeadlock(undefined)]).toEqual([true, false, false]);
  });
});
