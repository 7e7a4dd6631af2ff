import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations/index.js';
import { runCli } from '../support/cli.js';
import { closedPort } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';
import { createTestDatabaseLocation, enginesUnderTest, migrateFlags } from '../support/test-database.js';

const MIGRATIONS = Object.keys(migrations);
const [LAST, BEFORE_LAST] = [MIGRATIONS.at(-1) ?? '', MIGRATIONS.at(-2) ?? ''];

const flagsOf = migrateFlags;

/** Names of the migrations an `up` printed as applied. */
const appliedIn = (stdout: string): string[] => [...stdout.matchAll(/applied (\S+)/g)].map((match) => match[1] ?? '');

for (const { engine, name, unavailable } of await enginesUnderTest()) {
  describe.skipIf(unavailable !== undefined)(`llm-proxy migrate on ${name}`, () => {
    it('lists pending migrations, applies them, reverts the last one, and says when there is nothing to do', async () => {
      const location = await createTestDatabaseLocation(engine);
      const cwd = makeTempDir('llm-proxy-migrate-');
      try {
        const flags = flagsOf(location);
        const before = await runCli(['migrate', 'status', ...flags], { cwd: cwd.dir });
        expect(before.code).toBe(0);
        for (const migration of MIGRATIONS) expect(before.stdout).toMatch(new RegExp(`${migration}\\s+pending`));
        expect(before.stdout).toMatch(new RegExp(`${MIGRATIONS.length} pending: run \`.*migrate up\``));

        const up = await runCli(['migrate', 'up', ...flags], { cwd: cwd.dir });
        expect([up.code, appliedIn(up.stdout)]).toEqual([0, MIGRATIONS]);
        const again = await runCli(['migrate', 'up', ...flags], { cwd: cwd.dir });
        expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/up to date, no pending migration/)]);

        const down = await runCli(['migrate', 'down', ...flags], { cwd: cwd.dir });
        expect([down.code, down.stdout]).toEqual([0, expect.stringContaining(`reverted ${LAST}`)]);
        const after = await runCli(['migrate', 'status', ...flags], { cwd: cwd.dir });
        expect(after.stdout).toMatch(new RegExp(`${BEFORE_LAST}\\s+applied 20\\d\\d-`));
        expect(after.stdout).toMatch(new RegExp(`${LAST}\\s+pending`));

        for (let step = 1; step < MIGRATIONS.length; step++) expect((await runCli(['migrate', 'down', ...flags], { cwd: cwd.dir })).code).toBe(0);
        const empty = await runCli(['migrate', 'down', ...flags], { cwd: cwd.dir });
        expect([empty.code, empty.stderr]).toEqual([1, expect.stringMatching(/no migration is applied, nothing to revert/)]);
        expect(appliedIn((await runCli(['migrate', 'up', ...flags], { cwd: cwd.dir })).stdout)).toEqual(MIGRATIONS);
      } finally {
        cwd.remove();
        await location.drop();
      }
      // A dozen CLI processes, one more per migration, each ~1.5 s against MySQL on a busy machine.
    }, 60_000);

    it('applies each migration exactly once when three processes start at once', async () => {
      const location = await createTestDatabaseLocation(engine);
      const cwd = makeTempDir('llm-proxy-migrate-');
      try {
        const runs = await Promise.all(Array.from({ length: 3 }, () => runCli(['migrate', 'up', ...flagsOf(location)], { cwd: cwd.dir, timeoutMs: 30_000 })));
        expect(runs.map((run) => [run.code, run.stderr])).toEqual(runs.map(() => [0, '']));
        expect(runs.flatMap((run) => appliedIn(run.stdout)).sort()).toEqual(MIGRATIONS);
        const status = await runCli(['migrate', 'status', ...flagsOf(location)], { cwd: cwd.dir });
        expect(status.stdout).toMatch(/Up to date\./);
      } finally {
        cwd.remove();
        await location.drop();
      }
    });
  });
}

describe('llm-proxy migrate and server errors', () => {
  it('names host:port/database and the cause of an unreachable engine, never the password; exit 1', async () => {
    const port = await closedPort();
    const cwd = makeTempDir('llm-proxy-migrate-');
    try {
      for (const scheme of ['postgres', 'mysql']) {
        const url = `${scheme}://llm:hunter2-secret@127.0.0.1:${port}/proxydb`;
        const migrate = await runCli(['migrate', 'status', '--database-url', url], { cwd: cwd.dir });
        expect(migrate.code).toBe(1);
        expect(migrate.stderr).toMatch(new RegExp(`cannot connect to (PostgreSQL|MySQL) at 127\\.0\\.0\\.1:${port}/proxydb: .*ECONNREFUSED`));
        const server = await runCli(['server', '--addr', '127.0.0.1:0'], {
          cwd: cwd.dir,
          env: { MANAGEMENT_TOKEN: 'test-management-token', DB_DRIVER: scheme, DATABASE_URL: url, AUDIT_LOG_FILE: '' },
        });
        expect(server.code).toBe(1);
        expect(server.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}/proxydb: .*ECONNREFUSED`));
        expect(migrate.stderr + migrate.stdout + server.stderr + server.stdout).not.toContain('hunter2');
      }
    } finally {
      cwd.remove();
    }
  });

  it('refuses a missing or mismatched DATABASE_URL with the fix, and an unknown driver', async () => {
    const cwd = makeTempDir('llm-proxy-migrate-');
    try {
      const missing = await runCli(['migrate', 'up', '--driver', 'postgresql'], { cwd: cwd.dir });
      expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/DATABASE_URL.*is required with DB_DRIVER=postgres: set it to postgres:\/\//)]);
      const mismatch = await runCli(['migrate', 'up', '--driver', 'mariadb', '--database-url', 'postgres://u:pw-secret@h/db'], { cwd: cwd.dir });
      expect([mismatch.code, mismatch.stderr]).toEqual([1, expect.stringMatching(/does not match DB_DRIVER=mysql/)]);
      expect(mismatch.stderr).not.toContain('pw-secret');
      const unknown = await runCli(['migrate', 'status', '--driver', 'oracle'], { cwd: cwd.dir });
      expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringMatching(/DB_DRIVER.*accepted: sqlite, postgres, mysql/)]);
      const sqlite = await runCli(['migrate', 'status', '--db', join(cwd.dir, 'data', 'x.db')], { cwd: cwd.dir });
      expect(sqlite.code).toBe(0);
    } finally {
      cwd.remove();
    }
  });
});
