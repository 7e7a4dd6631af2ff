import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`: creates `directory` and its missing parents, each with `mode` when given. Not
 * `mkdirSync(…, { recursive: true })`: on Node 20 that loops for ever, one CPU busy, when the
 * kernel refuses a directory with ENOENT although its parent exists (anything under /proc).
 * Errors come as the mkdir of the first directory that could not be made throws them.
 */
export function makeDirectory(directory: string, mode?: number): void {
  const missing: string[] = [];
  for (let current = resolve(directory); !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path, mode === undefined ? undefined : { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // made meanwhile by another process
    }
  }
}
