import type { FastifyInstance } from 'fastify';
import { VERSION } from '../version.js';

/** `/health` (the process answers), `/ready` (and its database does), `/live`. */
export async function healthRoutes(app: FastifyInstance, options: { ping: () => Promise<void> }): Promise<void> {
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', version: VERSION, timestamp: new Date().toISOString() }));
  app.get('/live', { schema: { hide: true } }, async () => ({ status: 'alive' }));
  app.get('/ready', { schema: { hide: true } }, async (request, reply) => {
    try {
      await options.ping();
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });
}
