import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SEMI_SPACE_FLAG, SEMI_SPACE_MIB } from '../../src/cli/server/young-generation.js';
import { CLI } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

const CAP = `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MIB}`;

/** Runs the built `llm-proxy` as a shell runs it (its first line), with `path` first on PATH. */
function launch(bin: string, args: readonly string[], env: Record<string, string> = {}, path = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: { PATH: `${path}${process.env.PATH ?? ''}`, ...env }, timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    );
  });
}

describe('the llm-proxy launcher', () => {
  const temp = makeTempDir();
  afterAll(() => temp.remove());
  // A `node` that prints the arguments it was given, one per line: what the launcher passes on.
  const fakeNodeDir = join(temp.dir, 'fake-node');
  mkdirSync(fakeNodeDir);
  writeFileSync(join(fakeNodeDir, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
  const argsGiven = (stdout: string) => stdout.split('\n').slice(0, -1);

  it('starts node with the young generation capped, the same cap as the workers get, and the arguments as they were', async () => {
    const run = await launch(CLI, ['server', 'two words', '$HOME', '"quoted"', ''], {}, `${fakeNodeDir}:`);
    expect(run.stderr).toBe('');
    expect(argsGiven(run.stdout)).toEqual([CAP, CLI, 'server', 'two words', '$HOME', '"quoted"', '']);
  });

  it('leaves the size to NODE_OPTIONS when it sets one, in either spelling', async () => {
    for (const nodeOptions of ['--max-semi-space-size=16', '--trace-warnings --max_semi_space_size=2']) {
      const run = await launch(CLI, ['--version'], { NODE_OPTIONS: nodeOptions }, `${fakeNodeDir}:`);
      expect(argsGiven(run.stdout)).toEqual([CLI, '--version']);
    }
    const unrelated = await launch(CLI, ['--version'], { NODE_OPTIONS: '--max-old-space-size=512' }, `${fakeNodeDir}:`);
    expect(argsGiven(unrelated.stdout)).toEqual([CAP, CLI, '--version']);
  });

  it('runs the real node through a symlink, as node_modules/.bin/llm-proxy does, with the cap in effect', async () => {
    const link = join(temp.dir, 'llm-proxy');
    symlinkSync(CLI, link);
    const printExecArgv = 'data:text/javascript,console.log(JSON.stringify(process.execArgv))';
    const run = await launch(link, ['--version'], { NODE_OPTIONS: `--import=${printExecArgv}` });
    expect(run.code).toBe(0);
    const [execArgv, version] = run.stdout.trim().split('\n');
    expect(JSON.parse(execArgv ?? '')).toEqual([CAP]);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
