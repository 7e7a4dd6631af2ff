import { readEnvFile } from './env-file.js';

/** Settings of the commands that talk to a running proxy (`manage`, `benchmark`, `openai chat`). */
export interface ClientSettingsOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly envFilePath?: string;
}

/**
 * Reads one variable the way client commands do: the environment first, then the `.env` file
 * of the working directory (so a machine set up with `llm-proxy setup` needs no exports).
 */
export function readClientSetting(name: string, options: ClientSettingsOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const fromEnv = env[name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const fromFile = readEnvFile(options.envFilePath ?? '.env')?.[name];
  return fromFile === '' ? undefined : fromFile;
}
