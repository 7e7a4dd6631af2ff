import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/cli/server/worker-heap.js';

describe('workerExecArgv', () => {
  it('caps the young generation first, then passes on the primary\'s node flags', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--max-semi-space-size=8', '--enable-source-maps']);
  });

  it('leaves a semi-space size given to node as it is, in either spelling', () => {
    expect(workerExecArgv(['--max-semi-space-size=32'])).toEqual(['--max-semi-space-size=32']);
    expect(workerExecArgv(['--max-semi-space-size', '32'])).toEqual(['--max-semi-space-size', '32']);
    expect(workerExecArgv(['--max_semi_space_size=4'])).toEqual(['--max_semi_space_size=4']);
  });
});
