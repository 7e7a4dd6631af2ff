import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenResponse, UsageResponse } from '../../manage/index.js';
import { tokenChart, usageChart } from '../chart.js';
import { describedBy, field, fieldErrorsOf, formError, formLimit, type FieldErrors } from '../form-fields.js';
import { html, type SafeHtml } from '../html.js';
import { badge, postForm, renderPage, timeElement, type PageContext } from '../layout.js';
import { errorMessageOf } from '../manage-caller.js';
import { contextOf, noticeOf, redirectTo, sendNotFound, sendPage, type PageDeps } from '../page-deps.js';

const THIRTY_DAYS_MS = 30 * 86_400_000;
const TOKEN_FIELDS = ['max_requests', 'requests_per_minute'] as const;

type Form = Record<string, string | undefined>;

interface TokenDetail {
  readonly token: TokenResponse;
  readonly usage: UsageResponse | undefined;
}

/** Revoke, or reactivate a revoked token (an expired or exhausted one stays refused: the page says why). */
function stateAction(context: PageContext, token: TokenResponse): SafeHtml {
  if (token.is_active) {
    return postForm(context, `/tokens/${token.id}/revoke`, html`<input type="hidden" name="return" value="/tokens/${token.id}"><button type="submit" class="danger">Revoke</button>`, {
      confirm: `Revoke token ${token.token}? It stops working at once.`,
    });
  }
  return postForm(context, `/tokens/${token.id}/reactivate`, html`<button type="submit">Reactivate</button>`);
}

export function renderTokenDetail(context: PageContext, detail: TokenDetail, extra: { errors?: FieldErrors; values?: Form; notice?: { kind: 'ok' | 'error'; text: string } } = {}): string {
  const { token, usage } = detail;
  const errors = extra.errors ?? {};
  const values = extra.values ?? {};
  const limit = (value: number | null, none: string) => (value === null ? html`<span class="muted">${none}</span>` : value);
  const body = html`<p><a href="${context.base}/tokens?project_id=${token.project_id}">← Tokens of ${token.project_name}</a></p>
<h1>Token <code>${token.token}</code></h1>
<div class="panel"><dl class="facts">
<dt>Status</dt><dd>${badge(token.status)}</dd>
<dt>ID</dt><dd><code>${token.id}</code></dd>
<dt>Project</dt><dd><a href="${context.base}/projects/${token.project_id}">${token.project_name}</a></dd>
<dt>Requests</dt><dd>${token.request_count} of ${limit(token.max_requests, 'unlimited')}</dd>
<dt>Requests per minute</dt><dd>${limit(token.requests_per_minute, 'no limit')}</dd>
<dt>Cache hits</dt><dd>${token.cache_hit_count}</dd>
<dt>Expires</dt><dd>${timeElement(token.expires_at, 'never')}</dd>
<dt>Created</dt><dd>${timeElement(token.created_at)}</dd>
<dt>Last used</dt><dd>${timeElement(token.last_used_at, 'never')}</dd>
${token.deactivated_at === null ? '' : html`<dt>Revoked</dt><dd>${timeElement(token.deactivated_at)}</dd>`}
</dl>${formError({ form: errors.is_active })}<p>${stateAction(context, token)}</p></div>
${postForm(
  context,
  `/tokens/${token.id}`,
  html`<h2>Limits</h2>
${formError(errors)}
<div class="row">
${field('token-max', 'Max requests', html`<input id="token-max" name="max_requests" inputmode="numeric" value="${values.max_requests ?? token.max_requests ?? ''}"${describedBy('token-max', errors.max_requests, true)}>`, errors.max_requests, 'Counted since it was made; empty: unlimited.')}
${field('token-rpm', 'Requests per minute', html`<input id="token-rpm" name="requests_per_minute" inputmode="numeric" value="${values.requests_per_minute ?? token.requests_per_minute ?? ''}"${describedBy('token-rpm', errors.requests_per_minute, true)}>`, errors.requests_per_minute, 'Empty: no rate limit.')}
<div class="field"><button type="submit">Save limits</button></div></div>`,
  { className: 'panel' },
)}
${usage === undefined ? '' : html`<div class="charts">${usageChart(usage.buckets, 'Requests per day, last 30 days', 'day')}${tokenChart(usage.buckets, 'Tokens per day, last 30 days', 'day')}</div>
<p><a href="${context.base}/usage?project_id=${token.project_id}&amp;token_id=${token.id}">Usage of this token: other ranges, by hour, table and CSV</a></p>`}`;
  return renderPage(context, { title: `Token ${token.token}`, section: 'tokens', body, notice: extra.notice });
}

async function loadTokenDetail(deps: PageDeps, request: FastifyRequest, id: string): Promise<TokenDetail | undefined> {
  const token = await deps.call<TokenResponse>(request, 'GET', `/manage/tokens/${encodeURIComponent(id)}`);
  if (token.status !== 200) return undefined;
  // With its project too: the report then skips its by-project sums.
  const from = new Date(Date.now() - THIRTY_DAYS_MS).toISOString().slice(0, 10);
  const usage = await deps.reads.usageReport({ project_id: token.body.project_id, token_id: token.body.id, granularity: 'day', from });
  return { token: token.body, usage: usage.status === 200 ? usage.body : undefined };
}

/** A token's page: its facts, its limits to edit, revoke or reactivate, its usage. */
export function registerTokenDetailPages(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;
  type ById = FastifyRequest<{ Params: { id: string } }>;

  async function show(request: ById, reply: FastifyReply, status: number, extra: Parameters<typeof renderTokenDetail>[2]) {
    const detail = await loadTokenDetail(deps, request, request.params.id);
    if (detail === undefined) return sendNotFound(deps, request, reply, 'This token');
    return sendPage(reply, renderTokenDetail(contextOf(deps, request), detail, extra), status);
  }

  app.get<{ Params: { id: string } }>(`${base}/tokens/:id`, async (request, reply) => show(request, reply, 200, { notice: noticeOf(request.query) }));

  app.post<{ Params: { id: string } }>(`${base}/tokens/:id`, async (request, reply) => {
    const form = request.body as Form;
    const answer = await deps.call(request, 'PATCH', `/manage/tokens/${encodeURIComponent(request.params.id)}`, {
      max_requests: formLimit(form.max_requests),
      requests_per_minute: formLimit(form.requests_per_minute),
    });
    if (answer.status === 200) return redirectTo(reply, deps, `/tokens/${request.params.id}`, 'token-updated');
    return show(request, reply, answer.status, { errors: fieldErrorsOf(answer, TOKEN_FIELDS), values: form });
  });

  app.post<{ Params: { id: string } }>(`${base}/tokens/:id/reactivate`, async (request, reply) => {
    const answer = await deps.call(request, 'PATCH', `/manage/tokens/${encodeURIComponent(request.params.id)}`, { is_active: true });
    if (answer.status === 200) return redirectTo(reply, deps, `/tokens/${request.params.id}`, 'token-reactivated');
    return show(request, reply, answer.status, { errors: { is_active: errorMessageOf(answer) } });
  });
}
