import { createServer, type Server } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from '../config/index.js';
import { createInMemoryEventBus, type EventBus } from '../events/index.js';
import { manageRoutes } from '../manage/index.js';
import {
  compileParamWhitelist,
  createProxyHandler,
  createRequestPolicy,
  createTokenAuthenticator,
  createUpstream,
  isProxyPath,
  loadProvider,
  type Provider,
  type ProxyHandler,
} from '../proxy/index.js';
import { createApiKeyCipher } from '../security/index.js';
import { createUsageWriter, openDatabase, type Database } from '../store/index.js';
import { VERSION } from '../version.js';
import { createClientErrorHandler, refuseMissingHost } from './client-error.js';
import { frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { healthRoutes } from './health-routes.js';
import { createLogger, type Logger } from './logger.js';

export interface AppOverrides {
  /** An already open database (tests); otherwise the configured one is opened, and closed with the app. */
  readonly database?: Database;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** The assembled proxy server, not yet listening. */
export interface LlmProxyApp {
  readonly app: FastifyInstance;
  readonly server: Server;
  readonly provider: Provider;
  readonly events: EventBus;
  readonly proxy: ProxyHandler;
  readonly database: Database;
  /** Starts listening on the configured address; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests (streams included) finish up to the drain timeout, then releases everything. */
  close(): Promise<void>;
}

/**
 * Builds every dependency once and wires them: `/v1/*` goes straight from node:http to the proxy
 * handler; everything else (management API, health, OpenAPI) is served by Fastify.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<LlmProxyApp> {
  const logger = overrides.logger ?? createLogger(config.log.level);
  const now = overrides.now ?? (() => new Date());
  const cipher = createApiKeyCipher(config.secrets.encryptionKey);
  const provider = loadProvider(config.upstream);
  const database = overrides.database ?? (await openDatabase(config.database));
  const usage = createUsageWriter(database, { onError: (err) => logger.error({ err }, 'usage counters could not be written') });
  const auth = createTokenAuthenticator({
    database,
    cipher,
    usage,
    cacheTtlMs: config.auth.tokenCacheTtlMs,
    onKeyError: (projectId, err) => logger.error({ project_id: projectId, err }, 'project API key cannot be used'),
  });
  const events = createInMemoryEventBus({
    bufferSize: config.events.bufferSize,
    onHandlerError: (err) => logger.error({ err }, 'event subscriber failed'),
  });
  const upstream = createUpstream(provider, provider.responseTimeoutMs ?? config.upstream.requestTimeoutMs);
  const proxy = createProxyHandler({
    policy: createRequestPolicy(provider),
    whitelist: compileParamWhitelist(provider.paramWhitelist),
    auth,
    upstream,
    events,
    log: logger,
    maxRequestBytes: config.upstream.maxRequestBytes,
  });

  let server: Server | undefined;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    forceCloseConnections: 'idle',
    // Errors node's parser and Fastify's router raise before any route: OpenAI shape too.
    clientErrorHandler: createClientErrorHandler(logger),
    frameworkErrors: frameworkErrorHandler,
    return503OnClosing: false,
    serverFactory: (fastifyHandler) => {
      server = createServer({ requireHostHeader: false }, (req, res) => {
        if (refuseMissingHost(req, res)) return;
        if (isProxyPath(req.url)) proxy.handle(req, res);
        else fastifyHandler(req, res);
      });
      return server;
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'llm-proxy management API', version: VERSION },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'MANAGEMENT_TOKEN' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(healthRoutes, { ping: () => database.ping() });
  await app.register(manageRoutes, {
    database,
    cipher,
    now,
    usage,
    managementToken: config.secrets.managementToken,
    invalidateToken: auth.invalidateToken,
    invalidateProject: auth.invalidateProject,
  });
  app.get('/manage/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Runs once every connection has ended: nothing can record usage or events any more.
  app.addHook('onClose', async () => {
    await usage.close();
    await events.close();
    upstream.close();
    if (overrides.database === undefined) await database.close();
  });
  await app.ready();
  const httpServer = server as unknown as Server;

  return {
    app,
    server: httpServer,
    provider,
    events,
    proxy,
    database,
    async listen() {
      await app.listen({ host: config.listen.host, port: config.listen.port });
      const address = httpServer.address();
      if (address === null || typeof address === 'string') return String(address);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    async close() {
      // Keep-alive connections go idle once their last response ends: close them as they do,
      // and cut whatever is still open when the drain timeout is up.
      const sweep = setInterval(() => httpServer.closeIdleConnections(), 100);
      const force = setTimeout(() => httpServer.closeAllConnections(), config.shutdown.drainTimeoutMs);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        clearTimeout(force);
      }
    },
  };
}
