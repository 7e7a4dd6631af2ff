import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/cli/server/young-generation.js';

describe('workerExecArgv', () => {
  it('caps the young generation first, then passes on the primary\'s node flags', () => {
    expect(workerExecArgv(['--enable-source-maps'], '')).toEqual(['--max-semi-space-size=4', '--enable-source-maps']);
    expect(workerExecArgv([], '--enable-source-maps --max-old-space-size=512')).toEqual(['--max-semi-space-size=4']);
  });

  it('leaves a semi-space size given to node as it is, in either spelling', () => {
    expect(workerExecArgv(['--max-semi-space-size=32'], '')).toEqual(['--max-semi-space-size=32']);
    expect(workerExecArgv(['--max-semi-space-size', '32'], '')).toEqual(['--max-semi-space-size', '32']);
    expect(workerExecArgv(['--max_semi_space_size=4'], '')).toEqual(['--max_semi_space_size=4']);
  });

  it('leaves a semi-space size given in NODE_OPTIONS to the worker, which inherits it (a flag of the fork would win over it)', () => {
    expect(workerExecArgv(['--enable-source-maps'], '--max-semi-space-size=32')).toEqual(['--enable-source-maps']);
    expect(workerExecArgv([], '--trace-warnings  --max_semi_space_size=4')).toEqual([]);
  });
});
