import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOGUE, ProxyError, isProxyError, renderErrorBody, type ErrorCode } from '../errors.js';

interface Rendered {
  readonly code: ErrorCode;
  readonly message?: string;
}

function describeValidation(error: FastifyError): string {
  if (!hasZodFastifySchemaValidationErrors(error)) return error.message;
  const where = error.validationContext ?? 'request';
  return error.validation
    .map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const unknownKeys = (issue.params as { keys?: string[] } | undefined)?.keys;
      const message = unknownKeys ? `unknown field(s) ${unknownKeys.join(', ')}` : issue.message;
      return path ? `${where}.${path}: ${message}` : `${where}: ${message}`;
    })
    .join('; ');
}

/** Catalogue codes of the HTTP statuses Fastify itself answers with (bad URL, 404, 413, 414, 415, …). */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  404: 'not_found',
  408: 'request_timeout',
  413: 'request_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

function classify(error: FastifyError): Rendered & { readonly status: number } {
  if (isProxyError(error)) return { code: error.code, message: error.message, status: error.statusCode };
  if (error.validation) return { code: 'invalid_request', message: describeValidation(error), status: 400 };
  const status = error.statusCode ?? 500;
  const code = CODE_BY_STATUS[status];
  if (code !== undefined) return { code, message: error.message, status };
  if (status >= 400 && status < 500) return { code: 'invalid_request', message: error.message, status };
  return { code: 'internal_error', status: ERROR_CATALOGUE.internal_error.status };
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { code, message, status } = classify(error);
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code, status }, 'request refused');
  void reply.code(status).type('application/json').send(renderErrorBody(code, message));
}

/** Fastify's `frameworkErrors` option: errors raised before routing (a URL that cannot be decoded, a parameter too long). */
export const frameworkErrorHandler = sendError;

/** The one place a Fastify route's error becomes a response: the OpenAI-style JSON error body. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError);

  // A request that reaches a route while the server shuts down (on a busy keep-alive connection)
  // gets our 503, not Fastify's own body: build-app turns Fastify's off (return503OnClosing: false).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ProxyError('service_unavailable', 'The server is shutting down: retry in a moment');
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .type('application/json')
      .send(renderErrorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
