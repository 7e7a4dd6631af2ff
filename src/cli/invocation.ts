import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';

/**
 * How the user runs this CLI from where they stand, for the hints we print: `llm-proxy` when it
 * is on PATH, else `npx llm-proxy` (what works in the project directory right after `npm ci`).
 * npm puts node_modules/.bin on PATH while it runs a script, which says nothing about the shell.
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string {
  const dirs = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && !dir.endsWith(`node_modules${sep}.bin`));
  const isOnPath = dirs.some((dir) => {
    try {
      accessSync(join(dir, 'llm-proxy'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return isOnPath ? 'llm-proxy' : 'npx llm-proxy';
}
