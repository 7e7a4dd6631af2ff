import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, cleanEnv } from './cli.js';

export interface RunningDispatcher {
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves once stderr matches; rejects if the dispatcher exits first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export interface DispatcherProcessOptions {
  /** Added to the clean environment (PATH and HOME only). */
  readonly env?: Record<string, string>;
  /** The child is killed (SIGKILL) when it outlives this. Default 30 s. */
  readonly timeoutMs?: number;
}

/** `llm-proxy dispatcher …` as a child process of the built CLI, in a clean environment, stderr collected. */
export function startDispatcher(args: readonly string[], cwd: string, options: DispatcherProcessOptions = {}): RunningDispatcher {
  const child = spawn(process.execPath, [CLI, 'dispatcher', ...args], { cwd, env: cleanEnv(options.env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const watcher of watchers) watcher();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => clearTimeout(killer));
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          watchers.delete(check);
          resolve();
        };
        watchers.add(check);
        check();
        void exited.then(() => reject(new Error(`the dispatcher exited before ${pattern}:\n${stderr}`)));
      });
    },
  };
}
