import { describe, expect, it } from 'vitest';
import { boundOldSpaceGrowth } from '../../src/cli/server/old-space-growth.js';

describe('boundOldSpaceGrowth', () => {
  const flagsSetBy = (execArgv: string[], nodeOptions = ''): string[] => {
    const set: string[] = [];
    boundOldSpaceGrowth(execArgv, (flags) => set.push(flags), nodeOptions);
    return set;
  };

  it('sets V8\'s old-generation growth to 20 % between full GCs', () => {
    expect(flagsSetBy(['--enable-source-maps'])).toEqual(['--heap-growing-percent=20']);
  });

  it('leaves a growth given to node as it is, in either spelling', () => {
    expect(flagsSetBy(['--heap-growing-percent=50'])).toEqual([]);
    expect(flagsSetBy(['--heap_growing_percent=50'])).toEqual([]);
  });

  it('leaves a growth given in NODE_OPTIONS as it is', () => {
    expect(flagsSetBy([], '--max-old-space-size=512 --heap-growing-percent=50')).toEqual([]);
    expect(flagsSetBy([], '--max-old-space-size=512')).toEqual(['--heap-growing-percent=20']);
  });
});
