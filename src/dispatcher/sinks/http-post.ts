import { networkReason } from '../../manage-client/errors.js';
import { VERSION } from '../../version.js';
import { SinkError, SinkUnreachableError } from '../sink.js';

/** What the HTTP sinks wait for an answer, at most (the Go dispatcher's 30 s). */
export const SINK_TIMEOUT_MS = 30_000;
const PREFLIGHT_TIMEOUT_MS = 10_000;
const USER_AGENT = `llm-proxy-dispatcher/${VERSION}`;

export interface HttpAnswer {
  readonly status: number;
  /** The start of the answer's body, for messages. */
  readonly excerpt: string;
}

/** A URL as messages show it: no credentials, no query (either may hold a secret). */
export function displayUrl(url: string, options: { pathShown?: boolean } = {}): string {
  const parsed = new URL(url);
  const showPath = options.pathShown ?? true;
  const path = parsed.pathname === '/' ? '' : showPath ? parsed.pathname : '/…';
  return `${parsed.origin}${path}`;
}

/**
 * POSTs a JSON body; resolves with any answer the server gave. No answer at all (refused, DNS,
 * timeout) is a retryable SinkError; an abort of `signal` (the dispatcher stopping) is rethrown.
 */
export async function postJson(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
  where: string,
  timeoutMs = SINK_TIMEOUT_MS,
): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new SinkError(`cannot reach ${where} (${networkReason(error)})`, { failure: 'retryable', cause: error });
  }
  const text = await response.text().catch(() => '');
  return { status: response.status, excerpt: text.slice(0, 200).replace(/\s+/g, ' ').trim() };
}

/** `HTTP 500: <body start>` for messages. */
export function answerText(answer: HttpAnswer): string {
  return answer.excerpt === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status}: ${answer.excerpt}`;
}

/** The sink refused our credentials (401/403): nothing will get through until they change. */
export function refusedCredentials(where: string, answer: HttpAnswer, fix: string, delivered = 0): SinkError {
  return new SinkError(`${where} refused the credentials (${answerText(answer)}): ${fix}`, {
    failure: 'refused',
    status: answer.status,
    delivered,
  });
}

/** Checks that `url`'s server answers at all (any status will do): a HEAD request. */
export async function preflight(url: string, where: string): Promise<void> {
  try {
    const response = await fetch(url, {
      method: 'HEAD',
      headers: { 'user-agent': USER_AGENT },
      redirect: 'manual',
      signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS),
    });
    await response.body?.cancel();
  } catch (error) {
    throw new SinkUnreachableError(`cannot reach ${where} (${networkReason(error)})`, { cause: error });
  }
}
