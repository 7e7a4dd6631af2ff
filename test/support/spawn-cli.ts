import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI (`npm run build` makes it; `npm test` builds first). */
export const CLI_BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnCliOptions {
  /** Written to stdin, which is then closed. */
  readonly input?: string;
  /** The whole environment of the child (nothing is inherited). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Called with everything on stdout so far, each time more arrives. */
  readonly onStdout?: (stdout: string, child: ChildProcess) => void;
  readonly timeoutMs?: number;
}

/** Runs `node dist/cli/bin.js …args` with piped stdio; killed when it outlives `timeoutMs`. */
export function spawnCli(args: readonly string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: options.env ?? {}, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    options.onStdout?.(stdout, child);
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
