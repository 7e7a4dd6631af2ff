import type { FastifyInstance } from 'fastify';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../../audit/index.js';
import type { AuditEventResponse, AuditListResponse } from '../../manage/index.js';
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import { badge, pager, renderPage, timeElement } from '../layout.js';
import { errorMessageOf } from '../manage-caller.js';
import { contextOf, pageNumber, param, sendNotFound, sendPage, type PageDeps } from '../page-deps.js';

const FILTERS = ['action', 'outcome', 'project_id', 'search'] as const;

/** Every field of a record, in the API's order and names; the ones that point somewhere as links. */
export function renderAuditRecord(base: string, event: AuditEventResponse): SafeHtml {
  const text = (value: string | null) => (value === null ? html`<span class="muted">—</span>` : value);
  const rows: [string, HtmlValue][] = [
    ['id', html`<code>${event.id}</code>`],
    ['timestamp', timeElement(event.timestamp)],
    ['action', html`<code>${event.action}</code>`],
    ['actor', event.actor],
    ['outcome', badge(event.outcome)],
    ['project_id', event.project_id === null ? text(null) : html`<a href="${base}/projects/${event.project_id}"><code>${event.project_id}</code></a>`],
    ['token_id', event.token_id === null ? text(null) : html`<a href="${base}/tokens/${event.token_id}"><code>${event.token_id}</code></a>`],
    ['request_id', text(event.request_id)],
    ['correlation_id', text(event.correlation_id)],
    ['client_ip', text(event.client_ip)],
    ['method', text(event.method)],
    ['path', event.path === null ? text(null) : html`<code>${event.path}</code>`],
    ['user_agent', text(event.user_agent)],
    ['reason', text(event.reason)],
    ['metadata', event.metadata === null ? text(null) : html`<pre class="json">${JSON.stringify(event.metadata, null, 2)}</pre>`],
  ];
  return html`<dl class="facts">${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`;
}

export function registerAuditPage(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;
  app.get(`${base}/audit`, async (request, reply) => {
    const filter = Object.fromEntries(FILTERS.map((name) => [name, param(request.query, name)])) as Record<(typeof FILTERS)[number], string | undefined>;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, value);
    params.set('page', String(pageNumber(request.query)));
    params.set('page_size', '50');
    const answer = await deps.call<AuditListResponse>(request, 'GET', `/manage/audit?${params.toString()}`);
    const context = contextOf(deps, request);
    const option = (value: string, selected: string | undefined) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${value}</option>`;
    const list = answer.body;
    const body = html`<h1>Audit log</h1>
<form method="get" action="${base}/audit" class="row panel" role="search">
<div class="field"><label for="audit-search">Search</label><input id="audit-search" name="search" type="search" value="${filter.search ?? ''}"></div>
<div class="field"><label for="audit-action">Action</label><select id="audit-action" name="action"><option value="">All</option>${AUDIT_ACTIONS.map((action) => option(action, filter.action))}</select></div>
<div class="field"><label for="audit-outcome">Outcome</label><select id="audit-outcome" name="outcome"><option value="">All</option>${AUDIT_OUTCOMES.map((outcome) => option(outcome, filter.outcome))}</select></div>
<div class="field"><label for="audit-project">Project id</label><input id="audit-project" name="project_id" value="${filter.project_id ?? ''}"></div>
<div class="field"><button type="submit" class="secondary">Filter</button></div></form>
${answer.status !== 200
  ? html`<div class="alert error" role="alert">${errorMessageOf(answer)}</div>`
  : html`<p class="muted">${list.pagination.total_count} records</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Outcome</th><th scope="col" class="hide-narrow">Actor</th><th scope="col" class="hide-narrow">IP</th><th scope="col">Details</th></tr></thead><tbody>
${list.events.map(
  (event) => html`<tr><td><a href="${base}/audit/${event.id}" aria-label="Record of ${event.action} at ${event.timestamp}">${timeElement(event.timestamp)}</a></td><td><code>${event.action}</code></td><td>${badge(event.outcome)}</td>
<td class="hide-narrow">${event.actor}</td><td class="hide-narrow">${event.client_ip ?? ''}</td>
<td>${event.project_id === null ? '' : html`<a href="${base}/projects/${event.project_id}">project</a> `}${event.reason ?? ''}
${event.metadata === null ? '' : html`<details><summary>metadata</summary><code>${JSON.stringify(event.metadata)}</code></details>`}</td></tr>`,
)}
${list.events.length === 0 ? html`<tr><td colspan="6" class="muted">No audit records match.</td></tr>` : ''}
</tbody></table></div>
${pager(`${base}/audit`, filter, list.pagination.page, list.pagination.total_pages)}`}`;
    return sendPage(reply, renderPage(context, { title: 'Audit log', section: 'audit', body }), answer.status === 200 ? 200 : answer.status);
  });
}

export function registerAuditRecordPage(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;
  app.get<{ Params: { id: string } }>(`${base}/audit/:id`, async (request, reply) => {
    const answer = await deps.call<AuditEventResponse>(request, 'GET', `/manage/audit/${encodeURIComponent(request.params.id)}`);
    if (answer.status === 404) return sendNotFound(deps, request, reply, 'This audit record');
    const context = contextOf(deps, request);
    // Back to the list filtered on this action, the usual next question.
    const body =
      answer.status === 200
        ? html`<p><a href="${base}/audit">← Audit log</a> · <a href="${base}/audit?action=${answer.body.action}">all ${answer.body.action} records</a></p>
<h1>Audit record</h1><div class="panel">${renderAuditRecord(base, answer.body)}</div>`
        : html`<h1>Audit record</h1><div class="alert error" role="alert">${errorMessageOf(answer)}</div>`;
    return sendPage(reply, renderPage(context, { title: 'Audit record', section: 'audit', body }), answer.status);
  });
}
