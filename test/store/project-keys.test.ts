import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findProject, insertProject, listProjects, rewriteProjectKeys } from '../../src/store/index.js';
import { enginesUnderTest, openTestDatabase, type TestDatabase } from '../support/test-database.js';

const now = new Date('2026-05-01T12:00:00.000Z');

for (const { engine, name, unavailable } of await enginesUnderTest()) {
  describe.skipIf(unavailable !== undefined)(`rewriteProjectKeys on ${name}`, () => {
    let test: TestDatabase;
    beforeEach(async () => {
      test = await openTestDatabase({ engine });
      for (const [projectName, key] of [['a', 'sk-a'], ['b', 'sk-b'], ['c', '']] as const) {
        await insertProject(test.database, { name: projectName, storedApiKey: key, now });
      }
    });
    afterEach(() => test.dispose());

    const storedKeys = async () => Object.fromEntries((await listProjects(test.database)).map((project) => [project.name, project.storedApiKey]));

    it('replaces what the rewrite returns, leaves the rest and updated_at alone', async () => {
      const result = await rewriteProjectKeys(test.database, ({ storedApiKey }) => (storedApiKey === 'sk-a' ? 'sealed-a' : storedApiKey === 'sk-b' ? 'sk-b' : undefined));
      expect(result).toEqual({ rewritten: 1, unchanged: 2 });
      expect(await storedKeys()).toEqual({ a: 'sealed-a', b: 'sk-b', c: '' });
      const a = (await listProjects(test.database)).find((project) => project.name === 'a');
      expect(a?.updatedAt).toEqual(now);
    });

    it('writes nothing when the rewrite throws for any row, and hands the error back', async () => {
      const ids = (await listProjects(test.database)).map((project) => project.id).sort();
      const last = ids.at(-1) ?? '';
      // Rows are visited in id order: the last one fails after the others were rewritten.
      const failure = rewriteProjectKeys(test.database, ({ id, storedApiKey }) => {
        if (id === last) throw new Error(`cannot read ${id}`);
        return `${storedApiKey}-rewritten`;
      });
      await expect(failure).rejects.toThrowError(`cannot read ${last}`);
      expect(await storedKeys()).toEqual({ a: 'sk-a', b: 'sk-b', c: '' });
      expect((await findProject(test.database, last))?.storedApiKey).not.toMatch(/rewritten/);
    });
  });
}
