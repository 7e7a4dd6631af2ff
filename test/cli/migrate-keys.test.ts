import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKeyCipher, encryptionKeyId, parseStoredApiKey } from '../../src/security/index.js';
import { deleteProject, insertProject, openDatabase, type Database } from '../../src/store/index.js';
import { CLI, runCli, type CliResult } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';
import { createTestDatabaseLocation, enginesUnderTest, migrateFlags, type TestDatabaseLocation } from '../support/test-database.js';
import { hasTmux, startTmux } from '../support/tmux.js';

const [OLD, NEW, OTHER] = [randomBytes(32), randomBytes(32), randomBytes(32)];
const b64 = (key: Buffer): string => key.toString('base64');
const now = new Date('2026-05-01T12:00:00.000Z');

/** The plaintext keys of the projects each engine starts with (and the form they are stored in). */
const PLAINTEXT = { clear: 'sk-clear-0123456789abcdef', sealed: 'sk-sealed-0123456789abcdef', go: 'sk-go-format-0123456789abcdef', empty: '' };

/** A value in the Go original's format (`enc:v1:`, no key id). */
function goValue(key: Buffer, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  return 'enc:v1:' + Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

async function withDatabase<T>(location: TestDatabaseLocation, work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(location.options);
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** Stored api_key by project name. */
const storedKeys = (location: TestDatabaseLocation) =>
  withDatabase(location, async ({ db }) => Object.fromEntries((await db.selectFrom('projects').select(['name', 'api_key']).execute()).map((row) => [row.name, row.api_key])));

/** Neither output of a command may hold a key or an upstream secret. */
function expectNoSecrets(result: CliResult): void {
  const output = result.stdout + result.stderr;
  for (const key of [OLD, NEW, OTHER]) for (const text of [b64(key), key.toString('hex')]) expect(output).not.toContain(text);
  for (const plaintext of Object.values(PLAINTEXT)) if (plaintext !== '') expect(output).not.toContain(plaintext);
}

for (const { engine, name, unavailable } of await enginesUnderTest()) {
  describe.skipIf(unavailable !== undefined)(`llm-proxy migrate encrypt and rotate-key on ${name}`, () => {
    it('encrypts plaintext keys once, refuses a rotation it cannot finish without changing a row, then rotates every row', async () => {
      const location = await createTestDatabaseLocation(engine);
      const cwd = makeTempDir('llm-proxy-keys-');
      const run = async (args: string[], env: Record<string, string> = {}, input?: string) => {
        const result = await runCli(['migrate', ...args, ...migrateFlags(location)], { cwd: cwd.dir, env, timeoutMs: 30_000, ...(input !== undefined && { input }) });
        expectNoSecrets(result);
        return result;
      };
      try {
        await withDatabase(location, async (database) => {
          await insertProject(database, { name: 'clear', storedApiKey: PLAINTEXT.clear, now });
          await insertProject(database, { name: 'sealed', storedApiKey: createApiKeyCipher(OLD).encrypt(PLAINTEXT.sealed), now });
          await insertProject(database, { name: 'go', storedApiKey: goValue(OLD, PLAINTEXT.go), now });
          await insertProject(database, { name: 'empty', storedApiKey: '', now });
        });

        const refused = await run(['encrypt']);
        expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('ENCRYPTION_KEY is required to encrypt')]);

        const encrypted = await run(['encrypt'], { ENCRYPTION_KEY: b64(OLD) });
        expect([encrypted.code, encrypted.stdout]).toEqual([0, expect.stringContaining(`encrypted 1, already encrypted 2, empty 1 (key id ${encryptionKeyId(OLD)})`)]);
        const again = await run(['encrypt'], { ENCRYPTION_KEY: b64(OLD) });
        expect(again.stdout).toContain('encrypted 0, already encrypted 3, empty 1');
        const afterEncrypt = await storedKeys(location);
        expect(parseStoredApiKey(afterEncrypt.clear ?? '')).toMatchObject({ form: 'v2', keyId: encryptionKeyId(OLD) });
        expect(afterEncrypt.go).toMatch(/^enc:v1:/);

        const [oldId, newId] = [encryptionKeyId(OLD), encryptionKeyId(NEW)];
        const rotateEnv = { ENCRYPTION_KEY: b64(NEW), ENCRYPTION_KEY_PREVIOUS: b64(OLD) };
        const status = await run(['encrypt-status'], rotateEnv);
        expect(status.stdout).toContain(`  encrypted: 3\n    key id ${oldId}: 2 (ENCRYPTION_KEY_PREVIOUS)\n    enc:v1 (the Go format, no key id): 1`);
        expect(status.stdout).toContain('  in clear: 0\n  empty: 1\n');

        // A row sealed by a key the ring does not hold: the whole rotation is refused.
        const strayId = await withDatabase(location, async (database) => {
          const stray = await insertProject(database, { name: 'stray', storedApiKey: createApiKeyCipher(OTHER).encrypt('sk-stray'), now });
          return stray.id;
        });
        const before = await storedKeys(location);
        const failed = await run(['rotate-key', '--new-key-env', 'ENCRYPTION_KEY'], rotateEnv);
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(`project ${strayId}: API key was encrypted with key id ${encryptionKeyId(OTHER)}`);
        expect(failed.stderr).toContain("Rolled back: no project's key was changed.");
        expect(await storedKeys(location)).toEqual(before);

        await withDatabase(location, (database) => deleteProject(database, strayId));
        const rotated = await run(['rotate-key', '--new-key-env', 'ENCRYPTION_KEY'], rotateEnv);
        expect(rotated.code).toBe(0);
        expect(rotated.stdout).toContain(`re-encrypted 3, encrypted from clear 0, already under the new key 0, empty 1 (new key id ${encryptionKeyId(NEW)})`);
        expect(rotated.stdout).toContain(`remove ENCRYPTION_KEY_PREVIOUS: no project key needs the old key (key id ${encryptionKeyId(OLD)}) any more`);
        const after = await storedKeys(location);
        const newOnly = createApiKeyCipher(NEW);
        for (const projectName of ['clear', 'sealed', 'go'] as const) {
          expect(parseStoredApiKey(after[projectName] ?? '')).toMatchObject({ form: 'v2', keyId: encryptionKeyId(NEW) });
          expect(newOnly.decrypt(after[projectName] ?? '')).toBe(PLAINTEXT[projectName]);
        }
        expect(after.empty).toBe('');
        const rotatedStatus = await run(['encrypt-status'], rotateEnv);
        expect(rotatedStatus.stdout).toContain(`  encrypted: 3\n    key id ${newId}: 3 (ENCRYPTION_KEY)\n  in clear: 0`);
        expect(rotatedStatus.stdout).toContain(`No row needs ENCRYPTION_KEY_PREVIOUS (key id ${oldId}) any more: it can be removed.`);

        // The new key from stdin, with only the new key configured: nothing left to do.
        const fromStdin = await run(['rotate-key', '--new-key', '-'], { ENCRYPTION_KEY: b64(NEW) }, `${b64(NEW)}\n`);
        expect([fromStdin.code, fromStdin.stdout]).toEqual([0, expect.stringContaining('re-encrypted 0, encrypted from clear 0, already under the new key 3, empty 1')]);
        expect(await storedKeys(location)).toEqual(after);
      } finally {
        cwd.remove();
        await location.drop();
      }
    }, 90_000);
  });
}

describe('llm-proxy migrate rotate-key: how the new key is given', () => {
  it('takes exactly one of --new-key, --new-key - and --new-key-env, says what is wrong with a bad key, and wants a migrated database', async () => {
    const location = await createTestDatabaseLocation('sqlite');
    const cwd = makeTempDir('llm-proxy-keys-');
    const run = (args: string[], env: Record<string, string> = {}, input?: string) =>
      runCli(['migrate', 'rotate-key', ...args, ...migrateFlags(location)], { cwd: cwd.dir, env, ...(input !== undefined && { input }) });
    try {
      const missing = await run([]);
      expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('give the new key with exactly one of --new-key <key>, --new-key - (read from stdin) or --new-key-env <VARIABLE>')]);
      const both = await run(['--new-key', b64(NEW), '--new-key-env', 'K']);
      expect(both.stderr).toContain('exactly one of');
      const unset = await run(['--new-key-env', 'ROTATION_KEY']);
      expect(unset.stderr).toMatch(/--new-key-env ROTATION_KEY: ROTATION_KEY is not set in the environment nor in \.env/);
      const short = await run(['--new-key', '-'], {}, `${Buffer.alloc(16).toString('base64')}\n`);
      expect([short.code, short.stderr]).toEqual([1, expect.stringContaining('the new key read from stdin must be standard base64 of exactly 32 bytes')]);
      const pending = await run(['--new-key-env', 'ROTATION_KEY'], { ROTATION_KEY: b64(NEW) });
      expect([pending.code, pending.stderr]).toEqual([1, expect.stringMatching(/migrations are pending: run `.*migrate up` \(or start the server\) first/)]);
      for (const result of [missing, both, unset, short, pending]) expect(result.stdout + result.stderr).not.toContain(b64(NEW));
    } finally {
      cwd.remove();
      await location.drop();
    }
  });
});

describe.skipIf(!hasTmux)('llm-proxy migrate rotate-key --new-key - at a real terminal (tmux)', () => {
  it('asks for the key without echoing it, then rotates', async () => {
    const location = await createTestDatabaseLocation('sqlite');
    const cwd = makeTempDir('llm-proxy-keys-');
    await withDatabase(location, (database) => insertProject(database, { name: 'clear', storedApiKey: PLAINTEXT.clear, now }));
    const command = `env -i PATH="${process.env.PATH ?? ''}" TERM=xterm "${process.execPath}" "${CLI}" migrate rotate-key --new-key - --db "${location.options.path ?? ''}"`;
    const terminal = startTmux(`${command}; echo "EXIT=$?"; sleep 60`, cwd.dir);
    try {
      await terminal.waitFor('New encryption key (base64 of 32 bytes):');
      terminal.send(b64(NEW), 'Enter');
      const screen = await terminal.waitFor('EXIT=');
      expect(screen).toContain(`encrypted from clear 1, already under the new key 0 (new key id ${encryptionKeyId(NEW)})`);
      expect(screen).toContain('EXIT=0');
      expect(screen).not.toContain(b64(NEW));
      expect(parseStoredApiKey((await storedKeys(location)).clear ?? '')).toMatchObject({ form: 'v2', keyId: encryptionKeyId(NEW) });
    } finally {
      terminal.close();
      cwd.remove();
      await location.drop();
    }
  });
});
