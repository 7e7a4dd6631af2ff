import { ENCRYPTION_KEY_FORMAT, parseEncryptionKey, readClientSetting } from '../../config/index.js';
import { UsageError, type Io } from '../io.js';
import { createPrompter } from '../prompt.js';

/** Where `migrate rotate-key` takes the new key from: exactly one of these. */
export interface NewKeyOptions {
  /** The key itself, or `-`: read it from stdin. */
  readonly newKey?: string;
  /** The name of an environment variable (or .env entry) holding it. */
  readonly newKeyEnv?: string;
}

/** All of stdin, or one hidden line on a terminal (so the key is never echoed). */
async function readStdinKey(io: Io): Promise<string> {
  if (io.stdin.isTTY === true) {
    const prompt = createPrompter(io, 'rotate-key');
    try {
      return await prompt.askSecret('New encryption key (base64 of 32 bytes)');
    } finally {
      prompt.close();
    }
  }
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/**
 * The new key's 32 bytes, from --new-key, stdin (`--new-key -`) or --new-key-env. Errors say
 * where the value came from and what it should be, never the value.
 */
export async function readNewKey(options: NewKeyOptions, envFile: string, io: Io): Promise<Buffer> {
  if ((options.newKey === undefined) === (options.newKeyEnv === undefined)) {
    throw new UsageError('give the new key with exactly one of --new-key <key>, --new-key - (read from stdin) or --new-key-env <VARIABLE>');
  }
  let text: string | undefined;
  let source: string;
  if (options.newKeyEnv !== undefined) {
    source = `--new-key-env ${options.newKeyEnv}`;
    text = readClientSetting(options.newKeyEnv, { envFilePath: envFile });
    if (text === undefined) throw new UsageError(`${source}: ${options.newKeyEnv} is not set in the environment nor in ${envFile}`);
  } else if (options.newKey === '-') {
    source = 'the new key read from stdin';
    text = await readStdinKey(io);
  } else {
    source = '--new-key';
    text = options.newKey ?? '';
  }
  const key = parseEncryptionKey(text);
  if (key === undefined) throw new UsageError(`${source} must be ${ENCRYPTION_KEY_FORMAT}`);
  return key;
}
