import { loadEncryptionKeys } from '../../config/index.js';
import { createApiKeyCipher, parseStoredApiKey, type ApiKeyCipher } from '../../security/index.js';
import { rewriteProjectKeys, type StoredProjectKey } from '../../store/index.js';
import { writeLine, type Io } from '../io.js';
import type { RotateKeyOptions } from './index.js';
import { readNewKey } from './new-key.js';
import { createOutcomeTally } from './outcome-tally.js';
import { envFileOf, requireCurrentSchema, withMigrateDatabase } from './run.js';

type Outcome = 're-encrypted' | 'encrypted from clear' | 'already under the new key' | 'empty';

/** A row no key of the ring opens: the rotation was rolled back. */
export class KeyRotationError extends Error {
  override readonly name = 'KeyRotationError';
}

/** The new value of one row; throws KeyRotationError naming the project when it cannot be read. */
function rotatedValue(project: StoredProjectKey, reading: ApiKeyCipher, target: ApiKeyCipher): { value: string | undefined; outcome: Outcome } {
  const { id, storedApiKey } = project;
  if (storedApiKey === '') return { value: undefined, outcome: 'empty' };
  try {
    if (target.isSealedByCurrentKey(storedApiKey)) {
      // Opened all the same: a damaged value must stop the rotation, not pass unnoticed.
      target.decrypt(storedApiKey);
      return { value: undefined, outcome: 'already under the new key' };
    }
    const wasEncrypted = parseStoredApiKey(storedApiKey).form !== 'plaintext';
    return { value: target.encrypt(reading.decrypt(storedApiKey)), outcome: wasEncrypted ? 're-encrypted' : 'encrypted from clear' };
  } catch (error) {
    throw new KeyRotationError(`project ${id}: ${(error as Error).message}. Rolled back: no project's key was changed.`, { cause: error });
  }
}

/** Key ids the rotated rows were sealed with before (v1 values name none). */
function sealingKeyId(storedApiKey: string): string | undefined {
  const parsed = parseStoredApiKey(storedApiKey);
  return parsed.form === 'v2' ? parsed.keyId : undefined;
}

/**
 * `llm-proxy migrate rotate-key`: opens every project key with ENCRYPTION_KEY or
 * ENCRYPTION_KEY_PREVIOUS and seals it with the new key, all in one transaction (keys stored in
 * clear are sealed too). Any row that cannot be opened rolls everything back. Prints what to do
 * with the instances' settings; only key ids, never a key.
 */
export async function runMigrateRotateKey(options: RotateKeyOptions, io: Io): Promise<void> {
  const envFile = envFileOf(options);
  const keys = loadEncryptionKeys({ envFilePath: envFile });
  const newKey = await readNewKey(options, envFile, io);
  const reading = createApiKeyCipher(keys.current, keys.previous);
  const target = createApiKeyCipher(newKey);
  const newId = target.keyId ?? '';
  await withMigrateDatabase(options, async (database) => {
    await requireCurrentSchema(database);
    const tally = createOutcomeTally<Outcome>();
    const retiredIds = new Set<string>();
    await rewriteProjectKeys(database, (project) => {
      const { value, outcome } = rotatedValue(project, reading, target);
      tally.record(project.id, outcome);
      const retired = outcome === 're-encrypted' ? sealingKeyId(project.storedApiKey) : undefined;
      if (retired !== undefined) retiredIds.add(retired);
      return value;
    });
    const empty = tally.count('empty');
    writeLine(
      io.stdout,
      `${database.where}: project API keys re-encrypted ${tally.count('re-encrypted')}, encrypted from clear ${tally.count('encrypted from clear')}, ` +
        `already under the new key ${tally.count('already under the new key')}${empty > 0 ? `, empty ${empty}` : ''} (new key id ${newId})`,
    );
    for (const line of operatorSteps(newId, reading, retiredIds)) writeLine(io.stdout, line);
  });
}

/** What is left to do once the rows are rotated: the instances' settings, in order. */
function operatorSteps(newId: string, reading: ApiKeyCipher, retiredIds: ReadonlySet<string>): string[] {
  const oldIds = new Set(retiredIds);
  for (const id of [reading.keyId, reading.previousKeyId]) if (id !== undefined) oldIds.add(id);
  oldIds.delete(newId);
  const old = oldIds.size === 0 ? 'the old key' : `the old key (key id ${[...oldIds].join(', ')})`;
  const steps = [
    '',
    'Next steps:',
    `  1. Every instance runs with ENCRYPTION_KEY=<the new key, key id ${newId}> and ENCRYPTION_KEY_PREVIOUS=<${old}>,`,
    '     then restarts. Instances that have only the old key cannot read the rotated keys (503 upstream_auth_error):',
    '     deploy these settings before rotating, as the README says.',
    `  2. Once every instance has restarted so, remove ENCRYPTION_KEY_PREVIOUS: no project key needs ${old} any more.`,
  ];
  if (reading.keyId !== newId) {
    steps.push(`Note: this command ran with ENCRYPTION_KEY of key id ${reading.keyId ?? '(none)'}, not the new key: update the .env file or environment it read too.`);
  }
  return steps;
}
