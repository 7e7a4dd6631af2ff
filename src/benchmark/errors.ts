/** The target could not be reached at all (refused, DNS, TLS, timeout): nothing to measure. */
export class TargetUnreachableError extends Error {
  override readonly name = 'TargetUnreachableError';

  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`);
  }
}

/** Every request was answered 401: the token is wrong, expired or revoked. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';
}

const CODE_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};

/** One line about a network error: what happened, with its code (`connection refused (ECONNREFUSED)`). */
export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // A host with several addresses fails with an AggregateError whose own message is empty.
  const first = error instanceof AggregateError ? (error.errors[0] as unknown) : undefined;
  const message = error.message || (first instanceof Error ? first.message : '') || error.name;
  if (typeof code !== 'string') return message;
  const reason = CODE_REASONS[code];
  if (reason !== undefined) return `${reason} (${code})`;
  return message.includes(code) ? message : `${message} (${code})`;
}
