import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'dotenv';
import { makeDirectory } from '../files/make-directory.js';

/** Reads a `.env` file (KEY=VALUE lines, quotes, comments); undefined when it does not exist. */
export function readEnvFile(path: string): Record<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  return parse(readFileSync(path));
}

function formatValue(value: string): string {
  return /^[\w./:@+,-]*$/.test(value) ? value : JSON.stringify(value);
}

/**
 * Sets keys in a `.env` file, keeping its other lines (and comments) as they are; creates the
 * file and its directory when missing. The file is left with mode 0600: it holds secrets.
 */
export function updateEnvFile(path: string, values: Record<string, string>, header?: string): void {
  const remaining = new Map(Object.entries(values));
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split(/\r?\n/) : header ? [`# ${header}`] : [];
  const updated = lines.map((line) => {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const key = match?.[1];
    if (key === undefined || !remaining.has(key)) return line;
    const value = remaining.get(key) ?? '';
    remaining.delete(key);
    return `${key}=${formatValue(value)}`;
  });
  while (updated.length > 0 && updated[updated.length - 1] === '') updated.pop();
  for (const [key, value] of remaining) updated.push(`${key}=${formatValue(value)}`);
  makeDirectory(dirname(path));
  writeFileSync(path, updated.join('\n') + '\n', { mode: 0o600 });
  // An existing file keeps its mode on write: tighten it (but never touch a device such as /dev/null).
  if (statSync(path).isFile()) chmodSync(path, 0o600);
}
