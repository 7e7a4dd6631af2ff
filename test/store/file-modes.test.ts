import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertProject, listProjects, openDatabase } from '../../src/store/index.js';
import { makeTempDir } from '../support/temp-dir.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('database files on disk', () => {
  it('creates the database, its -wal and -shm files 0600 and missing directories 0700', async () => {
    const temp = makeTempDir('llm-proxy-modes-');
    const path = join(temp.dir, 'data', 'nested', 'llm-proxy.db');
    const database = await openDatabase({ driver: 'sqlite', path });
    try {
      await insertProject(database, { name: 'p', storedApiKey: 'sk-plaintext-key', now: new Date() });
      expect(await listProjects(database)).toHaveLength(1);
      expect({
        db: modeOf(path),
        wal: modeOf(`${path}-wal`),
        shm: modeOf(`${path}-shm`),
        data: modeOf(join(temp.dir, 'data')),
        nested: modeOf(join(temp.dir, 'data', 'nested')),
      }).toEqual({ db: '600', wal: '600', shm: '600', data: '700', nested: '700' });
    } finally {
      await database.close();
      temp.remove();
    }
  });
});
