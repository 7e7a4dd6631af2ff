import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clientIpOf, type AuditLog } from '../audit/index.js';
import { createSecretMatcher, obfuscateSecret, type ApiKeyCipher } from '../security/index.js';
import type { Database } from '../store/index.js';
import { loadAdminAssets } from './assets.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { createLoginLimiter } from './login-limiter.js';
import { createManageCaller } from './manage-caller.js';
import { createAdminReads, type AdminReadsDeps } from './reads.js';
import { contextOf, sendPage, type PageDeps } from './page-deps.js';
import { registerAuditPage, registerAuditRecordPage } from './pages/audit.js';
import { registerCachePages } from './pages/cache.js';
import { registerDashboard } from './pages/dashboard.js';
import { registerLivePage, type LiveTailOptions } from './pages/live.js';
import { renderLogin } from './pages/login.js';
import { registerProjectPages } from './pages/projects.js';
import { registerTokenDetailPages } from './pages/token-detail.js';
import { registerTokenPages } from './pages/tokens.js';
import { registerUsagePages } from './pages/usage.js';
import { throttledWarning } from '../throttled-warning.js';
import { answeringUnavailable, createSessionStore, SessionsUnavailableError, type SessionStore } from './session-store.js';

export interface AdminRoutesOptions {
  /** e.g. /admin */
  readonly path: string;
  readonly managementToken: string;
  /** What the pages' lists are read from (changes go through the management API). */
  readonly database: Database;
  readonly cipher: ApiKeyCipher;
  readonly now: () => Date;
  /** The usage ledger's write-behind and its sums by day, for the usage reports. */
  readonly usage: AdminReadsDeps['usage'];
  readonly sessionTtlMs: number;
  readonly audit: AuditLog;
  /** Behind a reverse proxy: trust X-Forwarded-For (client IP) and X-Forwarded-Proto (Secure cookie). */
  readonly trustProxyHeaders: boolean;
  /** The event bus for the live tail; without it the page is not there. */
  readonly live?: LiveTailOptions;
  /** Where sessions live; default: in this process (a worker of `server --workers N` keeps them in the primary; Redis coordination, in Redis). */
  readonly sessions?: SessionStore;
}

export const SESSION_COOKIE = 'llm_proxy_admin';

/** No inline script or style anywhere: everything the pages load is served from here. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

const LOGIN_FAILURES_PER_WINDOW = 10;
const LOGIN_WINDOW_MS = 5 * 60_000;

/**
 * The admin UI: server-rendered pages under `path`, behind a login with the management token.
 * Registered as its own Fastify plugin, so its form parser, cookies, hooks and error page stay
 * away from the management API. Every change goes through the management API in process
 * (manage-caller.ts); lists and usage reports are read in process (reads.ts).
 */
export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const base = options.path;
  const assets = loadAdminAssets();
  const sessions = answeringUnavailable(options.sessions ?? createSessionStore({ ttlMs: options.sessionTtlMs }));
  const limiter = createLoginLimiter({ maxFailures: LOGIN_FAILURES_PER_WINDOW, windowMs: LOGIN_WINDOW_MS });
  const isManagementToken = createSecretMatcher(options.managementToken);
  const csrfMatches = (expected: string, given: unknown) => typeof given === 'string' && createSecretMatcher(expected)(given);
  const deps: PageDeps = { base, assets, call: createManageCaller(app, options.managementToken), reads: createAdminReads(options) };
  const publicPaths = new Set([`${base}/login`]);
  const actor = `admin-ui:${obfuscateSecret(options.managementToken)}`;

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  app.decorateRequest('adminSession', null);

  const ipOf = (request: FastifyRequest) => clientIpOf(request.headers, request.socket.remoteAddress, options.trustProxyHeaders) ?? 'unknown';
  const overTls = (request: FastifyRequest) =>
    'encrypted' in request.socket || (options.trustProxyHeaders && String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https');

  function audit(request: FastifyRequest, action: 'admin.login' | 'admin.logout', outcome: 'success' | 'denied', reason: string | null): void {
    options.audit.record({
      action,
      actor: outcome === 'success' ? actor : 'anonymous',
      outcome,
      requestId: request.id,
      clientIp: ipOf(request),
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
      reason,
    });
  }

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith(`${base}/assets/`)) void reply.header('cache-control', 'no-store');
    void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    void reply.header('x-frame-options', 'DENY');
    return payload;
  });

  /** A POST sent by a page of another site (login included, which has no session to hold a CSRF token yet). */
  function crossOrigin(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || origin === 'null') return origin === 'null';
    try {
      return new URL(origin).host !== request.headers.host;
    } catch {
      return true;
    }
  }

  // Every page but the login form and the assets needs a session; every POST its CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0] as string;
    if (request.method === 'POST' && crossOrigin(request)) {
      const page = renderPage(contextOf(deps, request), { title: 'Refused', body: html`<h1>Refused</h1><p>This form was sent from another site.</p>` });
      return sendPage(reply, page, 403);
    }
    if (path.startsWith(`${base}/assets/`) || publicPaths.has(path)) return;
    const session = await sessions.get(request.cookies[SESSION_COOKIE]);
    if (session === undefined) {
      if (request.method === 'GET') return reply.redirect(`${base}/login`, 303);
      return reply.code(401).type('text/html; charset=utf-8').send(renderLogin(contextOf(deps, request), 'Your session has ended: sign in again.'));
    }
    request.adminSession = session;
    if (request.method === 'POST' && !csrfMatches(session.csrfToken, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      const page = renderPage(contextOf(deps, request), {
        title: 'Refused',
        body: html`<h1>Refused</h1><p>The form did not carry this session's security token (CSRF). Reload the page and try again.</p>`,
      });
      return sendPage(reply, page, 403);
    }
  });

  const warnSessionsUnavailable = throttledWarning(app.log, 'admin UI sessions cannot be reached: pages answer 503 until they are back');
  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof SessionsUnavailableError) {
      // Nobody is let in without a session that was checked: every page (login included) waits for the store.
      warnSessionsUnavailable(error.cause);
      const body = html`<h1>Unavailable</h1><p>The admin UI cannot reach the store of its sign-in sessions (Redis, or the server's primary process), so nobody can sign in or out right now. Try again in a moment; the server log has the details.</p>`;
      void reply.header('retry-after', '5');
      return sendPage(reply, renderPage(contextOf(deps, request), { title: 'Unavailable', body }), 503);
    }
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'admin UI page failed');
    const text = status === 500 ? 'Something went wrong on the server: the log has the details.' : error.message;
    return sendPage(reply, renderPage(contextOf(deps, request), { title: 'Error', body: html`<h1>Error</h1><p>${text}</p>` }), status);
  });

  app.get(`${base}/assets/:file`, async (request: FastifyRequest<{ Params: { file: string } }>, reply) => {
    const asset = assets.byName(request.params.file);
    if (asset === undefined) return reply.code(404).type('text/plain').send('not found');
    void reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.contentType);
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').send(asset.gzipped);
    return reply.header('vary', 'accept-encoding').send(asset.body);
  });

  app.get(base, async (_request, reply) => reply.redirect(`${base}/`, 303));

  app.get(`${base}/login`, async (request, reply) => {
    if ((await sessions.get(request.cookies[SESSION_COOKIE])) !== undefined) return reply.redirect(`${base}/`, 303);
    return sendPage(reply, renderLogin(contextOf(deps, request)));
  });

  app.post(`${base}/login`, async (request, reply) => {
    const ip = ipOf(request);
    const context = contextOf(deps, request);
    if (!limiter.allows(ip)) {
      audit(request, 'admin.login', 'denied', 'too many failed logins from this address');
      const wait = limiter.retryAfterSeconds(ip);
      void reply.header('retry-after', String(wait));
      return sendPage(reply, renderLogin(context, `Too many failed attempts from your address: try again in ${Math.ceil(wait / 60)} minute(s).`), 429);
    }
    const token = (request.body as Record<string, unknown> | undefined)?.management_token;
    if (typeof token !== 'string' || token.trim() === '' || !isManagementToken(token.trim())) {
      limiter.fail(ip);
      audit(request, 'admin.login', 'denied', typeof token === 'string' && token.trim() !== '' ? 'wrong management token' : 'no management token');
      return sendPage(reply, renderLogin(context, "That is not this server's management token. Check MANAGEMENT_TOKEN in the server's environment or .env file."), 401);
    }
    limiter.succeed(ip);
    await sessions.delete(request.cookies[SESSION_COOKIE]);
    const session = await sessions.create();
    audit(request, 'admin.login', 'success', null);
    void reply.setCookie(SESSION_COOKIE, session.id, {
      path: base,
      httpOnly: true,
      sameSite: 'strict',
      secure: overTls(request),
      // No Max-Age: the browser drops it when it closes; the server ends it after the TTL without use.
    });
    return reply.redirect(`${base}/`, 303);
  });

  app.post(`${base}/logout`, async (request, reply) => {
    await sessions.delete(request.adminSession?.id);
    audit(request, 'admin.logout', 'success', null);
    void reply.clearCookie(SESSION_COOKIE, { path: base, httpOnly: true, sameSite: 'strict', secure: overTls(request) });
    return reply.redirect(`${base}/login`, 303);
  });

  registerDashboard(app, deps);
  registerProjectPages(app, deps);
  registerTokenPages(app, deps);
  registerTokenDetailPages(app, deps);
  registerUsagePages(app, deps);
  registerCachePages(app, deps);
  registerAuditPage(app, deps);
  registerAuditRecordPage(app, deps);
  if (options.live !== undefined) registerLivePage(app, deps, options.live);
}
