import { loadEncryptionKeys, type EncryptionKeys } from '../../config/index.js';
import { encryptionKeyId, parseStoredApiKey } from '../../security/index.js';
import { listProjects } from '../../store/index.js';
import { cliCommand } from '../invocation.js';
import { writeLine, type Io } from '../io.js';
import type { MigrateOptions } from './index.js';
import { envFileOf, requireCurrentSchema, withMigrateDatabase } from './run.js';

/** How many stored keys are in each form: by key id for enc:v2 values. */
interface KeyCensus {
  readonly clear: number;
  readonly empty: number;
  readonly goFormat: number;
  readonly byKeyId: ReadonlyMap<string, number>;
}

function census(storedKeys: readonly string[]): KeyCensus {
  let [clear, empty, goFormat] = [0, 0, 0];
  const byKeyId = new Map<string, number>();
  for (const stored of storedKeys) {
    const parsed = parseStoredApiKey(stored);
    if (stored === '') empty += 1;
    else if (parsed.form === 'plaintext') clear += 1;
    else if (parsed.form === 'v2') byKeyId.set(parsed.keyId, (byKeyId.get(parsed.keyId) ?? 0) + 1);
    else if (parsed.form === 'v1') goFormat += 1;
    else byKeyId.set('(damaged)', (byKeyId.get('(damaged)') ?? 0) + 1);
  }
  return { clear, empty, goFormat, byKeyId };
}

/** Which configured setting holds the key of `id`, if any. */
function holderOf(id: string, keys: EncryptionKeys): string {
  if (keys.current !== undefined && encryptionKeyId(keys.current) === id) return 'ENCRYPTION_KEY';
  if (keys.previous !== undefined && encryptionKeyId(keys.previous) === id) return 'ENCRYPTION_KEY_PREVIOUS';
  return 'no configured key: these cannot be decrypted here';
}

/**
 * `llm-proxy migrate encrypt-status`: counts the stored project API keys by form and key id, and
 * says which configured key reads each id. Reads only; keys are optional (ids are then unnamed).
 */
export async function runMigrateEncryptStatus(options: MigrateOptions, io: Io): Promise<void> {
  const keys = loadEncryptionKeys({ envFilePath: envFileOf(options) });
  await withMigrateDatabase(options, async (database) => {
    await requireCurrentSchema(database);
    const counts = census((await listProjects(database)).map((project) => project.storedApiKey));
    const encrypted = counts.goFormat + [...counts.byKeyId.values()].reduce((sum, count) => sum + count, 0);
    const lines = [`Project API keys in ${database.where}:`, `  encrypted: ${encrypted}`];
    for (const [id, count] of counts.byKeyId) lines.push(`    key id ${id}: ${count} (${id === '(damaged)' ? 'not readable' : holderOf(id, keys)})`);
    if (counts.goFormat > 0) lines.push(`    enc:v1 (the Go format, no key id): ${counts.goFormat} (\`${cliCommand()} migrate rotate-key\` gives them one)`);
    lines.push(`  in clear: ${counts.clear}${counts.clear > 0 ? ` (\`${cliCommand()} migrate encrypt\` encrypts them)` : ''}`);
    if (counts.empty > 0) lines.push(`  empty: ${counts.empty}`);
    if (keys.previous !== undefined && !counts.byKeyId.has(encryptionKeyId(keys.previous)) && counts.goFormat === 0) {
      lines.push(`No row needs ENCRYPTION_KEY_PREVIOUS (key id ${encryptionKeyId(keys.previous)}) any more: it can be removed.`);
    }
    lines.push('Tokens: stored as SHA-256 hashes only.');
    for (const line of lines) writeLine(io.stdout, line);
  });
}
