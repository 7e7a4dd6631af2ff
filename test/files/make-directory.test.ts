import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDirectory } from '../../src/files/make-directory.js';

describe('makeDirectory', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing parents with the mode, and leaves existing directories alone', () => {
    const base = mkdtempSync(join(tmpdir(), 'llm-proxy-dir-'));
    made.push(base);
    const deep = join(base, 'a', 'b', 'c');
    makeDirectory(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(base, 'a')).mode & 0o777).toBe(0o700);
    makeDirectory(deep);
    makeDirectory(base);
  });

  it('throws where the kernel refuses, instead of looping for ever (a path under /proc)', () => {
    expect(() => makeDirectory('/proc/llm-proxy-test/x')).toThrow(/ENOENT/);
  });

  it('throws when a parent is a file', () => {
    expect(() => makeDirectory('/etc/hostname/x')).toThrow(/ENOTDIR/);
  });
});
