import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Runs in its own process, as a `sqlite3` session would: takes the write lock, holds it, commits.
const HOLDER_SCRIPT = `
const Database = require('better-sqlite3');
const [path, holdMs] = process.argv.slice(1);
const db = new Database(path);
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released ' + Date.now() + '\\n');
}, Number(holdMs));
`;

export interface LockHolder {
  /** Resolves with the wall-clock time (ms) at which the other process released the lock. */
  readonly released: Promise<number>;
}

/** Another process holding the write lock of the SQLite file for `holdMs`; resolves once it holds it. */
export function holdWriteLock(path: string, holdMs: number): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER_SCRIPT, path, String(holdMs)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const safety = setTimeout(() => child.kill('SIGKILL'), holdMs + 10_000);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => clearTimeout(safety));
  return new Promise((resolve, reject) => {
    let released: ((at: number) => void) | undefined;
    const releasedAt = new Promise<number>((resolveReleased, rejectReleased) => {
      released = resolveReleased;
      void exited.then(() => rejectReleased(new Error(`lock holder exited without releasing: ${stderr}`)));
    });
    releasedAt.catch(() => undefined); // reported to whoever awaits it
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.startsWith('locked\n')) resolve({ released: releasedAt });
      const match = /released (\d+)/.exec(stdout);
      if (match?.[1]) released?.(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`lock holder exited early: ${stderr}`)));
  });
}
