import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOGUE, isProxyError, renderErrorBody, type ErrorCode } from '../errors.js';

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

function classify(error: FastifyError): Rendered {
  if (isProxyError(error)) return { code: error.code, message: error.message };
  if (error.validation) return { code: 'invalid_request', message: describeValidation(error) };
  const status = error.statusCode ?? 500;
  if (status === 404) return { code: 'not_found', message: error.message };
  if (status >= 400 && status < 500) return { code: 'invalid_request', message: error.message };
  return { code: 'internal_error' };
}

/** The one place a Fastify route's error becomes a response: the OpenAI-style JSON error body. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, message } = classify(error);
    const status = isProxyError(error) || error.validation ? ERROR_CATALOGUE[code].status : (error.statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code, status }, 'request refused');
    void reply.code(status).type('application/json').send(renderErrorBody(code, message));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .type('application/json')
      .send(renderErrorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
