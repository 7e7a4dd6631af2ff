import { readEnvFile } from './env-file.js';
import { parseListenAddress } from './units.js';

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

/** Where a client on this machine reaches a server listening on `listenAddress`; undefined when it is not an address. */
export function localUrlOf(listenAddress: string): string | undefined {
  const parsed = parseListenAddress(listenAddress);
  if (parsed === undefined) return undefined;
  // All interfaces (`:8080`, `0.0.0.0`, `[::]`) are reached on this machine as localhost.
  const isAnyAddress = parsed.host === '::' || parsed.host === '0.0.0.0';
  const host = isAnyAddress ? 'localhost' : parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return `http://${host}:${parsed.port}`;
}

export const DEFAULT_PROXY_URL = 'http://localhost:8080';

/**
 * The proxy URL client commands use when no flag names one: the server's LISTEN_ADDR from the
 * environment or ./.env (as `llm-proxy setup` writes it), else http://localhost:8080.
 */
export function defaultProxyUrl(readSetting: (name: string) => string | undefined = (name) => readClientSetting(name)): string {
  const listenAddress = readSetting('LISTEN_ADDR');
  return (listenAddress && localUrlOf(listenAddress)) || DEFAULT_PROXY_URL;
}
