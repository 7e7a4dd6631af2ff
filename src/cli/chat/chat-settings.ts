import { DEFAULT_PROXY_URL, defaultProxyUrl, readClientSetting } from '../../config/index.js';
import { UsageError } from '../io.js';
import { cliCommand } from '../invocation.js';

export const DEFAULT_CHAT_MODEL = 'gpt-4';

/** Where the chat client talks to. */
export interface ChatEndpoint {
  /** The proxy as the user knows it, e.g. http://localhost:8080 (used in messages). */
  readonly proxyUrl: string;
  /** What the OpenAI client is given: the proxy URL + /v1. */
  readonly apiBaseUrl: string;
}

/** Accepts the proxy's base URL with or without a trailing /v1; without one, the server's LISTEN_ADDR. */
export function chatEndpoint(baseUrlFlag: string | undefined): ChatEndpoint {
  const baseUrl = baseUrlFlag ?? defaultProxyUrl();
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new UsageError(`--base-url must be an http:// or https:// URL such as ${DEFAULT_PROXY_URL}, got "${baseUrl}"`);
  }
  const proxyUrl = baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return { proxyUrl, apiBaseUrl: `${proxyUrl}/v1` };
}

/** --token, else PROXY_TOKEN from the environment or ./.env. */
export function chatToken(flag: string | undefined): string {
  const token = flag || readClientSetting('PROXY_TOKEN');
  if (!token) {
    throw new UsageError(
      `a withering token is required: pass --token sk-… or set PROXY_TOKEN (${cliCommand()} manage token generate --project-id <project-id> issues one)`,
    );
  }
  return token;
}
