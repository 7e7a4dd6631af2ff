import { afterAll, beforeAll } from 'vitest';
import { startHarness, type Harness } from './proxy-harness.js';

/** One proxy and one token for every test of the calling describe block (filled in by beforeAll). */
export interface SharedHarness {
  harness: Harness;
  token: string;
}

export function useSharedHarness(): SharedHarness {
  const shared = {} as SharedHarness;
  beforeAll(async () => {
    shared.harness = await startHarness();
    shared.token = (await shared.harness.issueToken()).token;
  });
  afterAll(() => shared.harness.close());
  return shared;
}
