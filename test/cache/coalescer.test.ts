import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../../src/cache/coalescer.js';

describe('coalescer', () => {
  it('makes the first caller the leader and hands its result to the others', async () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 10_000 });
    const leader = coalescer.join('k');
    const followers = Array.from({ length: 49 }, () => coalescer.join('k'));
    expect(leader.leader).toBe(true);
    expect(followers.every((flight) => !flight.leader)).toBe(true);
    const waits = followers.map((flight) => (flight.leader ? undefined : flight.wait()));
    if (leader.leader) leader.finish('answer');
    expect(await Promise.all(waits)).toEqual(Array(49).fill('answer'));
    expect(coalescer.waits).toBe(49);
    expect(coalescer.inFlight).toBe(0);
    expect(coalescer.join('k').leader).toBe(true); // a finished flight is not joined again
  });

  it('keeps keys apart', () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 10_000 });
    expect(coalescer.join('a').leader).toBe(true);
    expect(coalescer.join('b').leader).toBe(true);
    expect(coalescer.inFlight).toBe(2);
  });

  it('tells waiters to go upstream themselves when the leader has nothing to share', async () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 10_000 });
    const leader = coalescer.join('k');
    const follower = coalescer.join('k');
    const waited = follower.leader ? undefined : follower.wait();
    if (leader.leader) {
      leader.finish(undefined);
      leader.finish('too late'); // only the first finish counts
    }
    expect(await waited).toBeUndefined();
  });

  it('bounds the wait', async () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 20 });
    coalescer.join('k');
    const follower = coalescer.join('k');
    expect(await (follower.leader ? undefined : follower.wait())).toBeUndefined();
  });

  it('frees the key when a leader never reports back', async () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 20 });
    coalescer.join('k');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(coalescer.inFlight).toBe(0);
    expect(coalescer.join('k').leader).toBe(true);
  });

  it('stops waiting when the waiting client leaves', async () => {
    const coalescer = createCoalescer<string>({ maxWaitMs: 10_000 });
    coalescer.join('k');
    const follower = coalescer.join('k');
    const controller = new AbortController();
    const waited = follower.leader ? undefined : follower.wait(controller.signal);
    controller.abort();
    expect(await waited).toBeUndefined();
    const late = coalescer.join('k');
    expect(await (late.leader ? 'leader' : late.wait(controller.signal))).toBeUndefined();
  });
});
