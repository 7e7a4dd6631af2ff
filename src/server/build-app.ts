import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { adminRoutes, type SessionStore } from '../admin/index.js';
import { openAuditLog, type AuditLog } from '../audit/index.js';
import type { Config } from '../config/index.js';
import { openCoordinator, type Coordinator } from '../coordination/index.js';
import { openEventBus, openFileEventLog, type EventBus, type FileEventLog } from '../events/index.js';
import { manageRoutes } from '../manage/index.js';
import { createMetrics } from '../metrics/index.js';
import {
  accessLogStage,
  compileParamWhitelist,
  createBodyReader,
  createProxyHandler,
  createRequestPolicy,
  createTokenAuthenticator,
  createUpgradeHandler,
  createUpstream,
  isProxyPath,
  eventStage,
  loadProvider,
  paramWhitelistStage,
  pickRequestId,
  type Provider,
  type ProxyHandler,
  type ProxyStage,
  type AccessLogger,
  type EventStageOptions,
  type UpstreamLimits,
} from '../proxy/index.js';
import { createApiKeyCipher, redactSecrets } from '../security/index.js';
import { createUsageDays, createUsageLedger, createUsageWriter, openDatabase, type Database } from '../store/index.js';
import { VERSION } from '../version.js';
import { openHttpCache, type HttpCache } from '../cache/index.js';
import { cacheStage, type CacheStageOptions } from './cache-stage.js';
import { createClientErrorHandler, refuseMissingHost } from './client-error.js';
import { frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { healthRoutes } from './health-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { createAccessLogWriter } from './access-log-writer.js';
import { createAccessLogger, createLogger, logDestination, redactRequestUrl, type Logger } from './logger.js';
import { throttledWarning } from '../throttled-warning.js';

export interface AppOverrides {
  /** An already open database (tests); otherwise the configured one is opened, and closed with the app. */
  readonly database?: Database;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Stages run after the built-in ones of the same hook (tests of the pipeline seam). */
  readonly extraStages?: readonly ProxyStage[];
  /** Instead of the one LLM_PROXY_COORDINATION opens (a worker of `server --workers N` asks its primary). */
  readonly coordinator?: Coordinator;
  /** Where the admin UI keeps its sessions; default: the coordinator's shared ones (Redis), else in this process. */
  readonly sessions?: SessionStore;
}

/** The assembled proxy server, not yet listening. */
export interface LlmProxyApp {
  readonly app: FastifyInstance;
  readonly server: Server;
  readonly provider: Provider;
  readonly events: EventBus;
  /** FILE_EVENT_LOG's writer; undefined when not set. */
  readonly fileEventLog: FileEventLog | undefined;
  readonly proxy: ProxyHandler;
  readonly database: Database;
  /** The HTTP response cache; undefined when HTTP_CACHE_ENABLED=false. */
  readonly cache: HttpCache | undefined;
  /** The audit log of management actions. */
  readonly audit: AuditLog;
  /** Starts listening on the configured address; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests (streams included) finish up to the drain timeout, then releases everything. */
  close(): Promise<void>;
}

/** How long a stopping server keeps answering (with Connection: close) before it stops listening. */
const DRAIN_NOTICE_MS = 500;

function upstreamLimits(config: Config, provider: Provider): UpstreamLimits {
  return {
    connectTimeoutMs: provider.connectTimeoutMs ?? config.upstream.connectTimeoutMs,
    responseHeaderTimeoutMs: provider.responseTimeoutMs ?? config.upstream.responseHeaderTimeoutMs,
    streamIdleTimeoutMs: provider.streamIdleTimeoutMs ?? config.upstream.streamIdleTimeoutMs,
    clientBodyIdleMs: config.clients.bodyTimeoutMs,
    maxConnections: provider.maxConnections ?? config.upstream.maxConnections,
    maxQueue: provider.maxQueue ?? config.upstream.maxQueue,
  };
}

/** The data path's stages, in order; those that are switched off are simply not in the list. */
function proxyStages(
  config: Config,
  provider: Provider,
  events: EventStageOptions,
  accessLogger: AccessLogger,
  cache: CacheStageOptions | undefined,
): ProxyStage[] {
  const stages: ProxyStage[] = [];
  const whitelist = compileParamWhitelist(provider.paramWhitelist);
  if (!whitelist.isEmpty) stages.push(paramWhitelistStage(whitelist));
  if (cache !== undefined) stages.push(cacheStage(cache));
  stages.push(eventStage(events));
  if (config.log.requests) stages.push(accessLogStage(accessLogger));
  return stages;
}

/**
 * Builds every dependency once and wires them: `/v1/*` goes straight from node:http to the proxy
 * handler; everything else (management API, health, OpenAPI) is served by Fastify.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<LlmProxyApp> {
  const destination = overrides.logger === undefined ? await logDestination(config.log.format) : undefined;
  // Workers share one stdout: their lines say which process wrote them.
  const pid = config.workers > 1 ? process.pid : undefined;
  const logger = overrides.logger ?? createLogger(config.log.level, destination, pid);
  // JSON lines at the info level: the library-free writer; otherwise (pretty, a test's logger) pino.
  const writesInfo = config.log.level === 'debug' || config.log.level === 'info';
  const accessLogWriter = destination !== undefined && config.log.format === 'json' && writesInfo ? createAccessLogWriter(destination, pid) : undefined;
  const accessLogger = accessLogWriter ?? overrides.logger ?? createAccessLogger(config.log.level, destination, pid);
  const now = overrides.now ?? (() => new Date());
  const cipher = createApiKeyCipher(config.secrets.encryptionKey, config.secrets.previousEncryptionKey);
  const provider = loadProvider(config.upstream);
  // First: a Redis cache that cannot be reached stops the start before anything else is opened.
  const cache = await openHttpCache(config.cache, { onBackendError: throttledWarning(logger, 'response cache backend failed: requests go upstream') });
  // Likewise a Redis event stream that cannot be reached (the cache, already open, is closed again).
  const events = await openEventBus(config.events, { log: logger }).catch(async (error: unknown) => {
    await cache?.close();
    throw error;
  });
  let fileEventLog: FileEventLog | undefined;
  try {
    const path = config.observability.fileEventLog;
    fileEventLog = path === undefined ? undefined : openFileEventLog(path, events, { onError: throttledWarning(logger, 'FILE_EVENT_LOG could not be written') });
  } catch (error) {
    await events.close();
    await cache?.close();
    throw error;
  }
  // A shared Redis that cannot be reached stops the start too (what is already open is closed again).
  let coordinator: Coordinator;
  try {
    coordinator = overrides.coordinator ?? await openCoordinator(config.coordination, { onError: throttledWarning(logger, 'coordination Redis connection failed: capped and rate-limited tokens are refused until it is back') });
  } catch (error) {
    await fileEventLog?.close();
    await events.close();
    await cache?.close();
    throw error;
  }
  // A database that cannot be reached fails the start, and leaves nothing open behind.
  const database =
    overrides.database ??
    (await openDatabase({ ...config.database, onConnectionError: throttledWarning(logger, 'an idle database connection was lost (the pool opens a new one)') }).catch(
      async (error: unknown) => {
        await coordinator.close();
        await fileEventLog?.close();
        await events.close();
        await cache?.close();
        throw error;
      },
    ));
  let audit: AuditLog;
  try {
    audit = openAuditLog(config.audit, { database, now, onProblem: (message, err) => logger.error({ err }, message) });
  } catch (error) {
    // AUDIT_LOG_FILE cannot be opened: the start fails, and leaves nothing open behind.
    if (overrides.database === undefined) await database.close();
    await coordinator.close();
    await cache?.close();
    throw error;
  }
  const usage = createUsageWriter(database, { onError: (err) => logger.error({ err }, 'usage counters could not be written') });
  const usageDays = createUsageDays(database, { now });
  const ledger = createUsageLedger(database, {
    onError: (err) => logger.error({ err }, 'usage ledger could not be written (kept for the next write)'),
    onWritten: (hourStarts) => usageDays.forget(hourStarts),
  });
  const auth = createTokenAuthenticator({
    database,
    cipher,
    usage,
    cacheTtlMs: config.auth.tokenCacheTtlMs,
    onKeyError: (projectId, err) => logger.error({ project_id: projectId, err }, 'project API key cannot be used'),
    coordinator,
  });
  /** A project's key, organisation or existence changed: its credentials go, and the answers stored for it. */
  function forgetProject(projectId: string): void {
    auth.invalidateProject(projectId);
    cache?.purge({ projectId }).catch((err: unknown) => logger.warn({ err, project_id: projectId }, 'cache entries of a changed project could not be purged'));
  }
  // Changes made through another instance's management API.
  coordinator.onInvalidation((invalidation) => {
    if (invalidation.kind === 'token') auth.invalidateToken(invalidation.id);
    else if (invalidation.kind === 'project') forgetProject(invalidation.id);
    else if (invalidation.kind === 'token-created') auth.tokenCreated();
    else auth.clear();
  });
  const metrics = config.metrics.enabled ? createMetrics({ allowedEndpoints: provider.allowedEndpoints, events, cache, audit }) : undefined;
  const eventOptions: EventStageOptions = {
    bus: events,
    recorders: metrics === undefined ? [ledger.record] : [ledger.record, metrics.record],
    injectStreamUsage: config.observability.injectStreamUsage,
    requestExcerptBytes: config.observability.maxRequestBodyBytes,
    responseExcerptBytes: config.observability.maxResponseBodyBytes,
    redact: redactSecrets,
    onError: throttledWarning(logger, 'token usage could not be estimated'),
  };
  const upstream = createUpstream(provider, upstreamLimits(config, provider), config.upstream.egress);
  const bodyReader = createBodyReader(config.clients.bodyTimeoutMs);
  const policy = createRequestPolicy(provider);
  const proxy = createProxyHandler({
    policy,
    allowedMethods: provider.allowedMethods,
    auth,
    upstream,
    bodyReader,
    stages: [
      ...proxyStages(config, provider, eventOptions, accessLogger, cache && { cache, streamReplay: config.cache.streamReplay, auth, usage }),
      ...(overrides.extraStages ?? []),
    ],
    log: logger,
    maxRequestBytes: config.upstream.maxRequestBytes,
  });
  const upgrades = createUpgradeHandler({ policy, auth, baseUrl: provider.baseUrl, events, recorders: eventOptions.recorders, log: logger, responseTimeoutMs: provider.responseTimeoutMs ?? config.upstream.responseHeaderTimeoutMs });

  let server: Server | undefined;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    forceCloseConnections: 'idle',
    // Errors node's parser and Fastify's router raise before any route: OpenAI shape too.
    clientErrorHandler: createClientErrorHandler(logger),
    frameworkErrors: frameworkErrorHandler,
    return503OnClosing: false,
    // A client's X-Request-ID when short and safe, as on /v1: it names the call's audit record.
    genReqId: (req) => pickRequestId(req.headers['x-request-id']),
    serverFactory: (fastifyHandler) => {
      server = createServer(
        {
          headersTimeout: config.clients.headerTimeoutMs,
          requestTimeout: 0, // bodies are bounded in pace by the proxy, not by a total time
          connectionsCheckingInterval: Math.min(1000, config.clients.headerTimeoutMs),
          requireHostHeader: false, // answered below, in the OpenAI error shape
        },
        (req, res) => {
          if (refuseMissingHost(req, res)) return;
          if (isProxyPath(req.url)) proxy.handle(req, res);
          else fastifyHandler(req, res);
        },
      );
      server.maxConnections = config.clients.maxConnections;
      // Expect: 100-continue: the proxy checks the token before asking for the body.
      server.on('checkContinue', (req, res) => {
        if (refuseMissingHost(req, res)) return;
        if (isProxyPath(req.url)) return proxy.handle(req, res, true);
        res.writeContinue();
        fastifyHandler(req, res);
      });
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
        isProxyPath(req.url) ? upgrades.handle(req, socket, head) : upgrades.refuse(req, socket),
      );
      return server;
    },
  });
  let draining = false;
  app.addHook('onSend', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
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
  if (metrics !== undefined) await app.register(metricsRoutes, { metrics, path: config.metrics.path, token: config.secrets.metricsToken });
  await app.register(manageRoutes, {
    database,
    cipher,
    now,
    usage,
    managementToken: config.secrets.managementToken,
    invalidateToken(tokenId: string) {
      auth.invalidateToken(tokenId);
      coordinator.announce({ kind: 'token', id: tokenId });
    },
    invalidateProject(projectId: string) {
      forgetProject(projectId);
      coordinator.announce({ kind: 'project', id: projectId });
    },
    tokenCreated() {
      auth.tokenCreated();
      coordinator.announce({ kind: 'token-created' });
    },
    cache,
    ledger,
    usageDays,
    audit: {
      log: audit,
      recordReads: config.audit.recordReads,
      trustProxyHeaders: config.audit.trustProxyHeaders,
      redactPath: redactRequestUrl,
    },
    liveEvents: { bus: events, maxQueuedEvents: config.events.bufferSize },
  });
  app.get('/manage/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (config.adminUi.enabled) {
    await app.register(adminRoutes, {
      path: config.adminUi.path,
      managementToken: config.secrets.managementToken,
      database,
      cipher,
      now,
      usage: { flush: () => ledger.flush(), days: usageDays },
      sessionTtlMs: config.adminUi.sessionTtlMs,
      audit,
      trustProxyHeaders: config.audit.trustProxyHeaders,
      live: { bus: events, maxQueuedEvents: config.events.bufferSize },
      // Across instances through Redis when coordinated by it; else in this process (or a worker's primary).
      sessions: overrides.sessions ?? coordinator.sharedSessions(config.adminUi.sessionTtlMs),
    });
  }

  // Runs once every connection has ended: nothing can record usage or events any more.
  app.addHook('onClose', async () => {
    accessLogWriter?.flush();
    await usage.close();
    await ledger.close();
    await audit.close();
    await events.close();
    await fileEventLog?.close();
    await coordinator.close();
    await cache?.close();
    upstream.close();
    bodyReader.close();
    if (overrides.database === undefined) await database.close();
  });
  await app.ready();
  const httpServer = server as unknown as Server;

  return {
    app,
    server: httpServer,
    provider,
    events,
    fileEventLog,
    proxy,
    database,
    cache,
    audit,
    async listen() {
      await app.listen({ host: config.listen.host, port: config.listen.port });
      const address = httpServer.address();
      if (address === null || typeof address === 'string') return String(address);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `http://${host}:${address.port}`;
    },
    async close() {
      // Stop accepting first (net.Server's close: node's http close would also drop idle sockets,
      // among them fresh ones whose first request is on its way). Every answer from now on
      // carries Connection: close, so a keep-alive client leaves with its response instead of
      // finding its next request's socket reset. After a short notice, sockets still idle are
      // closed; what is still open when the drain timeout is up is cut.
      draining = true;
      proxy.startDraining();
      if (httpServer.listening) NetServer.prototype.close.call(httpServer);
      await new Promise((resolve) => setTimeout(resolve, Math.min(DRAIN_NOTICE_MS, config.shutdown.drainTimeoutMs)));
      const force = setTimeout(() => {
        httpServer.closeAllConnections();
        upgrades.destroyAll(); // upgraded sockets are no longer the HTTP server's to close
      }, config.shutdown.drainTimeoutMs);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
    },
  };
}
