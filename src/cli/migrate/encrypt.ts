import { loadEncryptionKeys } from '../../config/index.js';
import { createApiKeyCipher, isEncryptedValue } from '../../security/index.js';
import { rewriteProjectKeys } from '../../store/index.js';
import { UsageError, writeLine, type Io } from '../io.js';
import type { MigrateOptions } from './index.js';
import { createOutcomeTally } from './outcome-tally.js';
import { envFileOf, requireCurrentSchema, withMigrateDatabase } from './run.js';

type Outcome = 'encrypted' | 'already encrypted' | 'empty';

/**
 * `llm-proxy migrate encrypt`: seals every project API key stored in clear with ENCRYPTION_KEY,
 * in one transaction; values already encrypted (whatever their key) are left alone, so running
 * it again does nothing.
 */
export async function runMigrateEncrypt(options: MigrateOptions, io: Io): Promise<void> {
  const keys = loadEncryptionKeys({ envFilePath: envFileOf(options) });
  if (keys.current === undefined) {
    throw new UsageError('ENCRYPTION_KEY is required to encrypt: set it in the environment or the .env file (generate one with `openssl rand -base64 32`)');
  }
  const cipher = createApiKeyCipher(keys.current);
  await withMigrateDatabase(options, async (database) => {
    await requireCurrentSchema(database);
    const tally = createOutcomeTally<Outcome>();
    await rewriteProjectKeys(database, ({ id, storedApiKey }) => {
      const outcome: Outcome = storedApiKey === '' ? 'empty' : isEncryptedValue(storedApiKey) ? 'already encrypted' : 'encrypted';
      tally.record(id, outcome);
      return outcome === 'encrypted' ? cipher.encrypt(storedApiKey) : undefined;
    });
    const empty = tally.count('empty');
    writeLine(
      io.stdout,
      `${database.where}: project API keys encrypted ${tally.count('encrypted')}, already encrypted ${tally.count('already encrypted')}` +
        `${empty > 0 ? `, empty ${empty}` : ''} (key id ${cipher.keyId ?? ''})`,
    );
  });
}
