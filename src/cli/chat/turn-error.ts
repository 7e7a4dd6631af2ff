import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ERROR_CATALOGUE, isErrorCode, type ErrorCode } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { cliCommand } from '../invocation.js';

/** Why a message got no reply, in one line, and whether the session can go on. */
export interface TurnFailure {
  readonly message: string;
  /** Set when going on is pointless: the exit code the session ends with. */
  readonly fatalExitCode?: typeof EXIT.network | typeof EXIT.auth;
}

const NEW_TOKEN = `${cliCommand()} manage token generate --project-id <project-id>`;

/** The proxy's own refusals, told from the chat user's side: reason, then what to do. */
const REASONS: Partial<Record<ErrorCode, string>> = {
  invalid_token: 'the proxy refused the token as missing or malformed: pass the sk-… token issued by llm-proxy with --token or PROXY_TOKEN',
  token_not_found: `the proxy does not know this token (never issued there, or its project was deleted): check --token / PROXY_TOKEN, or ask for a new one (${NEW_TOKEN})`,
  token_inactive: `the token has been revoked: ask for a new one (${NEW_TOKEN})`,
  token_expired: `the token has expired: ask for a new one (${NEW_TOKEN})`,
  token_quota_exhausted: `the token has used all of its allowed requests: ask for a new one or a higher limit (${NEW_TOKEN} --max-requests <n>)`,
  project_inactive: `the token's project is deactivated: ask its owner to reactivate it (${cliCommand()} manage project update <project-id> --activate)`,
};

const MAX_QUOTED_CHARS = 300;

/** The catalogue code when the proxy itself refused (OpenAI uses some of the same codes, with other types). */
function proxyCode(error: APIError): ErrorCode | undefined {
  const { code } = error;
  return isErrorCode(code) && error.type === ERROR_CATALOGUE[code].type ? code : undefined;
}

/** What the error body said, on one line and bounded (a wrong --base-url may answer with a whole HTML page). */
function quoted(error: APIError): string {
  const inner = (error.error as { message?: unknown } | undefined)?.message;
  const text = (typeof inner === 'string' ? inner : error.message.replace(/^\d{3} /, '')).replace(/\s+/g, ' ').trim();
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
}

function reasonFor(error: APIError, status: number): string {
  const code = proxyCode(error);
  const known = code && REASONS[code];
  if (known) return known;
  const tag = `HTTP ${status}${error.code ? `, ${error.code}` : ''}`;
  if (code) return `${status >= 500 ? 'the proxy could not get a reply' : 'the proxy refused the message'} (${tag}): ${quoted(error)}`;
  // None of the proxy's codes: the upstream API answered this, through the proxy.
  if (status === 401) {
    return `the upstream API rejected the project's API key (${tag}): ${quoted(error)}: its owner must replace it (${cliCommand()} manage project update <project-id> --openai-key …)`;
  }
  return `${status >= 500 ? 'the upstream API failed' : 'the upstream API refused the message'} (${tag}): ${quoted(error)}`;
}

/** The socket-level reason under the client's generic "Connection error.". */
function connectionReason(error: Error): string {
  for (let cause: unknown = error.cause; typeof cause === 'object' && cause !== null; cause = (cause as Error).cause) {
    const { code } = cause as { code?: unknown };
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (typeof code === 'string') return code;
  }
  return error.message;
}

/** Classifies what a chat turn threw (never an abort: the caller checks its own signal first). */
export function describeTurnError(error: unknown, proxyUrl: string): TurnFailure {
  if (error instanceof APIConnectionTimeoutError) return { message: `the proxy at ${proxyUrl} did not answer in time` };
  if (error instanceof APIConnectionError) {
    return {
      message: `cannot reach the proxy at ${proxyUrl} (${connectionReason(error)}): is \`llm-proxy server\` running? Point elsewhere with --base-url.`,
      fatalExitCode: EXIT.network,
    };
  }
  if (error instanceof APIError && error.status !== undefined) {
    const message = reasonFor(error, error.status);
    // Every 401 is an authentication failure the next message would hit again.
    return error.status === 401 ? { message, fatalExitCode: EXIT.auth } : { message };
  }
  // A reply cut off mid-stream, an error event inside the stream, a reply with no choices.
  const reason = error instanceof Error ? error.message : String(error);
  return { message: `the reply failed (${reason.replace(/\s+/g, ' ')})` };
}
