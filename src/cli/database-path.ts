import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Why a SQLite file cannot be created at `path` (it is a directory, or a file stands where a
 * directory must be created), or undefined when it can be tried.
 */
export function databasePathProblem(path: string): string | undefined {
  if (path.trim() === '') return 'must not be empty';
  if (existsSync(path)) return statSync(path).isDirectory() ? `${path} is a directory: name a file in it` : undefined;
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (existsSync(dir)) return statSync(dir).isDirectory() ? undefined : `${dir} is a file, not a directory`;
    if (dirname(dir) === dir) return undefined;
  }
}
