import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminAssets } from './assets.js';
import { html } from './html.js';
import { renderPage, type PageContext } from './layout.js';
import type { ManageCaller } from './manage-caller.js';
import type { AdminReads } from './reads.js';
import type { AdminSession } from './session-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin UI session of the request (null on the login page and assets). */
    adminSession: AdminSession | null;
  }
}

/** What the page handlers share. */
export interface PageDeps {
  readonly base: string;
  readonly assets: AdminAssets;
  readonly call: ManageCaller;
  readonly reads: AdminReads;
}

export function contextOf(deps: PageDeps, request: FastifyRequest): PageContext {
  return { base: deps.base, assets: deps.assets, csrfToken: request.adminSession?.csrfToken };
}

export function sendPage(reply: FastifyReply, page: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page);
}

/** Short notices a redirect after a change carries in `?notice=`: fixed texts, never echoed input. */
export const NOTICES: Record<string, string> = {
  'project-created': 'Project created.',
  'project-updated': 'Project saved.',
  'project-activated': 'Project activated: it can mint tokens again.',
  'project-deactivated': 'Project deactivated: its tokens stop working at once.',
  'project-deleted': 'Project deleted, with its tokens.',
  'tokens-revoked': 'Every token of the project is revoked.',
  'token-revoked': 'Token revoked: it stops working at once.',
  'token-updated': 'Token limits saved: they apply from the next request.',
  'token-reactivated': 'Token reactivated: it works again until it expires or reaches its cap.',
  'cache-purged': 'Cache purged.',
};

export function noticeOf(query: unknown): { kind: 'ok'; text: string } | undefined {
  const key = (query as { notice?: unknown }).notice;
  const text = typeof key === 'string' ? NOTICES[key] : undefined;
  return text === undefined ? undefined : { kind: 'ok', text };
}

/** A query parameter as a non-empty string, or undefined. */
export function param(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown>)[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function pageNumber(query: unknown): number {
  const page = Number(param(query, 'page') ?? '1');
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

/** A redirect to a page of the UI (303: the browser follows with a GET). */
export function redirectTo(reply: FastifyReply, deps: PageDeps, path: string, notice?: keyof typeof NOTICES): FastifyReply {
  const separator = path.includes('?') ? '&' : '?';
  return reply.redirect(`${deps.base}${path}${notice === undefined ? '' : `${separator}notice=${notice}`}`, 303);
}

/** The UI's own 404 page (a project deleted meanwhile, a mistyped address). */
export function sendNotFound(deps: PageDeps, request: FastifyRequest, reply: FastifyReply, what = 'This page'): FastifyReply {
  const body = html`<h1>Not found</h1><p>${what} does not exist (any more).</p><p><a href="${deps.base}/">Back to the dashboard</a></p>`;
  return sendPage(reply, renderPage(contextOf(deps, request), { title: 'Not found', section: 'dashboard', body }), 404);
}
