import type { FastifyInstance } from 'fastify';
import type { CreatedTokenResponse, TokenResponse } from '../../manage/index.js';
import { html, type SafeHtml } from '../html.js';
import { badge, pager, postForm, projectOptions, renderPage, timeElement, type PageContext } from '../layout.js';
import { errorMessageOf } from '../manage-caller.js';
import type { ProjectChoice } from '../reads.js';
import { contextOf, noticeOf, pageNumber, param, redirectTo, sendPage, type PageDeps } from '../page-deps.js';
import { loadProjectDetail, renderProjectDetail } from './projects.js';

const PAGE_SIZE = 50;

/** Lifetimes offered when generating a token (minutes). */
const DURATIONS: readonly [number, string][] = [
  [15, '15 minutes'],
  [60, '1 hour'],
  [240, '4 hours'],
  [480, '8 hours'],
  [1440, '1 day'],
  [4320, '3 days'],
  [10080, '7 days'],
  [43200, '30 days'],
  [525600, '1 year'],
];

/** Where a form may send the browser back to: the tokens list, a project's or a token's page, nothing else. */
function safeReturn(value: string | undefined): string {
  return value !== undefined && /^\/(tokens|(projects|tokens)\/[A-Za-z0-9_-]{1,128})$/.test(value) ? value : '/tokens';
}

export function generateTokenForm(context: PageContext, projects: readonly ProjectChoice[], selected: string | undefined, returnTo: string, error?: string): SafeHtml {
  const active = projects.filter((project) => project.is_active);
  if (active.length === 0) {
    return html`<p class="panel muted">No active project to generate tokens for: <a href="${context.base}/projects">create or activate one</a> first.</p>`;
  }
  const projectField =
    selected !== undefined && projects.length === 1
      ? html`<input type="hidden" name="project_id" value="${selected}">`
      : html`<div class="field"><label for="gen-project">Project</label><select id="gen-project" name="project_id" required>
${projectOptions(active, selected)}</select></div>`;
  return postForm(
    context,
    '/tokens',
    html`<input type="hidden" name="return" value="${returnTo}">
${error === undefined ? '' : html`<div class="alert error" role="alert">${error}</div>`}
<div class="row">${projectField}
<div class="field"><label for="gen-duration">Valid for</label><select id="gen-duration" name="duration_minutes">${DURATIONS.map(
      ([minutes, label]) => html`<option value="${minutes}"${minutes === 1440 ? html` selected` : ''}>${label}</option>`,
    )}</select></div>
<div class="field"><label for="gen-max">Max requests</label><input id="gen-max" name="max_requests" type="number" min="1" inputmode="numeric" placeholder="unlimited" aria-describedby="gen-max-hint"><span class="hint" id="gen-max-hint">Empty: unlimited</span></div>
<div class="field"><label for="gen-rpm">Requests per minute</label><input id="gen-rpm" name="requests_per_minute" type="number" min="1" inputmode="numeric" placeholder="no limit" aria-describedby="gen-rpm-hint"><span class="hint" id="gen-rpm-hint">Empty: no rate limit</span></div>
<div class="field"><button type="submit">Generate token</button></div></div>`,
    { className: 'panel' },
  );
}

/** The new token, shown this once in a modal dialog with a copy button. */
export function secretDialog(created: CreatedTokenResponse): SafeHtml {
  return html`<dialog id="secret-dialog" data-show open aria-labelledby="secret-title">
<h2 id="secret-title">Your new token</h2>
<p class="warning">Copy it now: it is shown only this once and cannot be retrieved later.</p>
<code class="secret" id="secret-value">${created.token}</code>
<p class="muted">Expires ${created.expires_at ?? 'never'}${created.max_requests === null ? '' : `, at most ${created.max_requests} requests`}.</p>
<form method="dialog"><button type="button" data-copy="secret-value">Copy</button> <button type="submit" class="secondary">Done</button></form>
</dialog>`;
}

export function tokenTable(context: PageContext, tokens: readonly TokenResponse[], returnTo: string, showProject = false): SafeHtml {
  if (tokens.length === 0) return html`<p class="muted">No tokens.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">Token</th>${showProject ? html`<th scope="col">Project</th>` : ''}<th scope="col">Status</th>
<th scope="col" class="num">Requests</th><th scope="col">Expires</th><th scope="col" class="hide-narrow">Last used</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>
${tokens.map(
  (token) => html`<tr><td><a href="${context.base}/tokens/${token.id}" aria-label="Token ${token.token}"><code>${token.token}</code></a></td>
${showProject ? html`<td><a href="${context.base}/projects/${token.project_id}">${token.project_name}</a></td>` : ''}
<td>${badge(token.status)}</td><td class="num">${token.request_count} / ${token.max_requests ?? '∞'}</td>
<td>${timeElement(token.expires_at, 'never')}</td><td class="hide-narrow">${timeElement(token.last_used_at, 'never')}</td>
<td>${token.is_active
    ? postForm(context, `/tokens/${token.id}/revoke`, html`<input type="hidden" name="return" value="${returnTo}"><button type="submit" class="link" aria-label="Revoke token ${token.token}">Revoke</button>`, {
        confirm: `Revoke token ${token.token}? It stops working at once.`,
      })
    : ''}</td></tr>`,
)}</tbody></table></div>`;
}

const STATUSES = ['active', 'expired', 'revoked', 'exhausted', 'project_inactive'] as const;

interface TokenQuery {
  readonly projectId: string | undefined;
  readonly status: string | undefined;
  readonly page: number;
}

export function renderTokenList(
  context: PageContext,
  data: { readonly tokens: readonly TokenResponse[]; readonly total: number },
  projects: readonly ProjectChoice[],
  query: TokenQuery,
  extra: { created?: CreatedTokenResponse; error?: string; notice?: { kind: 'ok' | 'error'; text: string } } = {},
): string {
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  const body = html`<h1>Tokens</h1>
${generateTokenForm(context, projects, query.projectId, '/tokens', extra.error)}
<form method="get" action="${context.base}/tokens" class="row panel" role="search">
<div class="field"><label for="filter-project">Project</label><select id="filter-project" name="project_id"><option value="">All</option>
${projectOptions(projects, query.projectId)}</select></div>
<div class="field"><label for="filter-status">Status</label><select id="filter-status" name="status"><option value="">All</option>
${STATUSES.map((status) => html`<option value="${status}"${status === query.status ? html` selected` : ''}>${status.replace('_', ' ')}</option>`)}</select></div>
<div class="field"><button type="submit" class="secondary">Filter</button></div></form>
<p class="muted">${data.total} tokens</p>
${tokenTable(context, data.tokens, '/tokens', true)}
${pager(`${context.base}/tokens`, { project_id: query.projectId, status: query.status }, query.page, pages)}
${extra.created === undefined ? '' : secretDialog(extra.created)}`;
  return renderPage(context, { title: 'Tokens', section: 'tokens', body, notice: extra.notice });
}

async function loadTokenList(deps: PageDeps, query: TokenQuery) {
  const data = await deps.reads.tokenPage({ projectId: query.projectId, state: query.status, page: query.page, size: PAGE_SIZE });
  return { data, projects: data.projects };
}

const FIRST_PAGE: TokenQuery = { projectId: undefined, status: undefined, page: 1 };

type Form = Record<string, string | undefined>;

export function registerTokenPages(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;

  app.get(`${base}/tokens`, async (request, reply) => {
    const query = { projectId: param(request.query, 'project_id'), status: param(request.query, 'status'), page: pageNumber(request.query) };
    const { data, projects } = await loadTokenList(deps, query);
    return sendPage(reply, renderTokenList(contextOf(deps, request), data, projects, query, { notice: noticeOf(request.query) }));
  });

  // The answer is the page itself (no redirect): the secret is in it once and is kept nowhere.
  app.post(`${base}/tokens`, async (request, reply) => {
    const form = request.body as Form;
    const returnTo = safeReturn(form.return);
    const maxRequests = form.max_requests?.trim() ? Number(form.max_requests) : undefined;
    const perMinute = form.requests_per_minute?.trim() ? Number(form.requests_per_minute) : undefined;
    const created = await deps.call<CreatedTokenResponse>(request, 'POST', '/manage/tokens', {
      project_id: form.project_id ?? '',
      duration_minutes: Number(form.duration_minutes ?? 1440),
      ...(maxRequests !== undefined && { max_requests: maxRequests }),
      ...(perMinute !== undefined && { requests_per_minute: perMinute }),
    });
    const ok = created.status === 201;
    const context = contextOf(deps, request);
    void reply.header('cache-control', 'no-store');
    if (returnTo.startsWith('/projects/')) {
      const detail = await loadProjectDetail(deps, request, returnTo.slice('/projects/'.length));
      if (detail === undefined) return redirectTo(reply, deps, '/tokens');
      const extra = ok ? { created: created.body } : { notice: { kind: 'error' as const, text: errorMessageOf(created) } };
      return sendPage(reply, renderProjectDetail(context, detail.project, detail.tokens, detail.usage, extra), ok ? 200 : created.status);
    }
    const { data, projects } = await loadTokenList(deps, FIRST_PAGE);
    const extra = ok ? { created: created.body } : { error: errorMessageOf(created) };
    return sendPage(reply, renderTokenList(context, data, projects, { ...FIRST_PAGE, projectId: form.project_id }, extra), ok ? 200 : created.status);
  });

  app.post<{ Params: { id: string } }>(`${base}/tokens/:id/revoke`, async (request, reply) => {
    const form = request.body as Form;
    const answer = await deps.call(request, 'DELETE', `/manage/tokens/${encodeURIComponent(request.params.id)}`);
    if (answer.status !== 200) {
      const { data, projects } = await loadTokenList(deps, FIRST_PAGE);
      const page = renderTokenList(contextOf(deps, request), data, projects, FIRST_PAGE, { notice: { kind: 'error', text: errorMessageOf(answer) } });
      return sendPage(reply, page, answer.status);
    }
    return redirectTo(reply, deps, safeReturn(form.return), 'token-revoked');
  });
}
