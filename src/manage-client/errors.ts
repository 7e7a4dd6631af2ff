/** The management API answered with an error status. */
export class ManageApiError extends Error {
  override readonly name = 'ManageApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** The management API could not be reached at all. */
export class ManageUnreachableError extends Error {
  override readonly name = 'ManageUnreachableError';
  constructor(
    readonly baseUrl: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the management API at ${baseUrl} (${reason})`, options);
  }
}

/** Why a fetch failed, in words (undici hides the socket error in `cause`). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found';
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.message ?? (error as Error).message;
}

/** The JSON of a body, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** The error an answer with an error status stands for (its `error` object's message and code). */
export function apiErrorOf(response: Response, text: string): ManageApiError {
  const error = (parseJson(text) as { error?: { message?: string; code?: string } | string } | undefined)?.error;
  const message = typeof error === 'string' ? error : (error?.message ?? `${response.status} ${response.statusText}`);
  const code = typeof error === 'object' ? error.code : undefined;
  return new ManageApiError(message, response.status, code);
}
