import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The answer of a management route: its status and parsed JSON body. */
export interface ManageAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export interface ManageError {
  readonly error: { readonly message: string; readonly code?: string; readonly type?: string };
}

export type ManageCaller = <T>(
  browserRequest: FastifyRequest,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: Record<string, unknown>,
) => Promise<ManageAnswer<T>>;

/**
 * Every page acts through the management API itself, in process (`app.inject`, no socket), with
 * the management token added here on the server: the same validation, cache invalidation and
 * audit records as a CLI call. The browser's address and user agent go along, so the audit
 * record names who acted from where.
 */
export function createManageCaller(app: FastifyInstance, managementToken: string): ManageCaller {
  return async (browserRequest, method, url, body) => {
    const userAgent = browserRequest.headers['user-agent'];
    const response = await app.inject({
      method,
      url,
      remoteAddress: browserRequest.socket.remoteAddress,
      headers: {
        authorization: `Bearer ${managementToken}`,
        'x-request-id': browserRequest.id,
        ...(userAgent !== undefined && { 'user-agent': `${userAgent} (admin UI)` }),
        ...(browserRequest.headers['x-forwarded-for'] !== undefined && { 'x-forwarded-for': browserRequest.headers['x-forwarded-for'] }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { payload: JSON.stringify(body) }),
    });
    const text = response.body;
    return { status: response.statusCode, body: (text === '' ? undefined : JSON.parse(text)) as never };
  };
}

/** The message of an error answer (the catalogue's reason and fix), or a generic one. */
export function errorMessageOf(answer: ManageAnswer<unknown>): string {
  const message = (answer.body as Partial<ManageError> | undefined)?.error?.message;
  return typeof message === 'string' ? message : `the management API answered ${answer.status}`;
}
