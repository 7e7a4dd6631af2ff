import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAuditFile } from '../../src/audit/audit-file.js';
import { makeTempDir } from '../support/temp-dir.js';
import { readAuditFile } from './audit-support.js';

const line = (id: string) => JSON.stringify({ id });
const ids = (path: string) => readAuditFile(path).map((record) => record.id);

describe('audit file', () => {
  it('reopen() continues in a new file by the same path; what was appended before goes to the moved one', async () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'audit.log');
      const file = openAuditFile(path, { createDir: false });
      file.append(line('a'));
      file.append(line('b'));
      renameSync(path, `${path}.1`);
      file.reopen();
      file.append(line('c'));
      await file.close();
      expect(ids(`${path}.1`)).toEqual(['a', 'b']);
      expect(ids(path)).toEqual(['c']);
      expect(file.droppedCount).toBe(0);
    } finally {
      temp.remove();
    }
  });

  it('reopen() that cannot open the path reports it and keeps writing to the moved file', async () => {
    const temp = makeTempDir();
    try {
      const directory = join(temp.dir, 'logs');
      const problems: unknown[] = [];
      const file = openAuditFile(join(directory, 'audit.log'), { createDir: true, onError: (error) => problems.push(error) });
      file.append(line('a'));
      renameSync(directory, `${directory}.1`); // the open file moves with its directory
      writeFileSync(directory, ''); // and a file stands where the directory was
      file.reopen();
      file.append(line('b'));
      await file.close();
      expect(problems).toHaveLength(1);
      expect(String(problems[0])).toMatch(/cannot open the audit log .*audit\.log \(AUDIT_LOG_FILE\): a part of its path is a file, not a directory/);
      expect(ids(join(`${directory}.1`, 'audit.log'))).toEqual(['a', 'b']);
    } finally {
      temp.remove();
    }
  });
});
