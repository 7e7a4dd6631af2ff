import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CreatedTokenResponse, ProjectResponse, TokenResponse, UsageResponse } from '../../manage/index.js';
import { tokenChart, usageChart } from '../chart.js';
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import { badge, pager, postForm, renderPage, timeElement, type PageContext } from '../layout.js';
import { describedBy, field, fieldErrorsOf, formError, formLimit, type FieldErrors } from '../form-fields.js';
import { errorMessageOf, type ManageAnswer } from '../manage-caller.js';
import { contextOf, noticeOf, pageNumber, param, redirectTo, sendNotFound, sendPage, type PageDeps } from '../page-deps.js';
import { generateTokenForm, secretDialog, tokenTable } from './tokens.js';

const PAGE_SIZE = 25;

type Form = Record<string, string | undefined>;

/** The fields of the project forms, as the API names them (for errors placed next to them). */
const PROJECT_FIELDS = ['api_key', 'openai_organization', 'openai_project', 'requests_per_minute', 'name'] as const;

export function projectFieldErrors(answer: ManageAnswer<unknown>): FieldErrors {
  const errors = fieldErrorsOf(answer, PROJECT_FIELDS, { project_name_taken: 'name' });
  // "cannot save an obfuscated API key" names no field, but is about that one.
  return errors.form !== undefined && /API key/.test(errors.form) ? { api_key: errors.form } : errors;
}

function createProjectForm(context: PageContext, values: { name?: string }, errors: FieldErrors): SafeHtml {
  return postForm(
    context,
    '/projects',
    html`<h2>New project</h2>
${formError(errors)}
<div class="row">
${field('new-name', 'Name', html`<input id="new-name" name="name" required maxlength="255" value="${values.name ?? ''}"${describedBy('new-name', errors.name, false)}>`, errors.name)}
${field('new-key', 'Upstream API key', html`<input id="new-key" name="api_key" type="password" required autocomplete="off"${describedBy('new-key', errors.api_key, true)}>`, errors.api_key, 'Write-only: stored encrypted, shown masked afterwards.')}
<div class="field"><button type="submit">Create project</button></div></div>`,
    { className: 'panel' },
  );
}

interface ListQuery {
  readonly q: string | undefined;
  readonly status: string | undefined;
  readonly page: number;
}

export interface ProjectListData {
  readonly projects: readonly ProjectResponse[];
  readonly matching: number;
  readonly total: number;
}

export function renderProjectList(context: PageContext, data: ProjectListData, query: ListQuery, extra: { errors?: FieldErrors; values?: { name?: string }; notice?: { kind: 'ok' | 'error'; text: string } } = {}): string {
  const pages = Math.max(1, Math.ceil(data.matching / PAGE_SIZE));
  const shown = data.projects;
  const statusOption = (value: string, label: string) => html`<option value="${value}"${query.status === value ? html` selected` : ''}>${label}</option>`;
  const body = html`<h1>Projects</h1>
<form method="get" action="${context.base}/projects" class="row panel" role="search">
  <div class="field"><label for="q">Search</label><input id="q" name="q" type="search" value="${query.q ?? ''}" placeholder="name or id"></div>
  <div class="field"><label for="status">Status</label><select id="status" name="status">${statusOption('', 'All')}${statusOption('active', 'Active')}${statusOption('inactive', 'Inactive')}</select></div>
  <div class="field"><button type="submit" class="secondary">Filter</button></div>
</form>
<p class="muted">${data.matching} of ${data.total} projects</p>
<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col" class="hide-narrow">API key</th><th scope="col" class="hide-narrow">Created</th></tr></thead><tbody>
${shown.map(
  (project) => html`<tr><td><a href="${context.base}/projects/${project.id}">${project.name}</a></td><td>${badge(project.is_active ? 'active' : 'inactive')}</td>
<td class="hide-narrow"><code>${project.api_key}</code></td><td class="hide-narrow">${timeElement(project.created_at)}</td></tr>`,
)}
${shown.length === 0 ? html`<tr><td colspan="4" class="muted">No projects match.</td></tr>` : ''}
</tbody></table></div>
${pager(`${context.base}/projects`, { q: query.q, status: query.status }, query.page, pages)}
${createProjectForm(context, extra.values ?? {}, extra.errors ?? {})}`;
  return renderPage(context, { title: 'Projects', section: 'projects', body, notice: extra.notice });
}

export function renderProjectDetail(
  context: PageContext,
  project: ProjectResponse,
  tokens: readonly TokenResponse[],
  usage: UsageResponse | undefined,
  extra: { errors?: FieldErrors; values?: Form; created?: CreatedTokenResponse; notice?: { kind: 'ok' | 'error'; text: string } } = {},
): string {
  const errors = extra.errors ?? {};
  // What was typed into a refused edit form is shown again, not the stored values.
  const values = extra.values ?? {};
  const live = tokens.filter((token) => token.status === 'active').length;
  const tokenWord = tokens.length === 1 ? 'token' : 'tokens';
  const actions: HtmlValue = [
    project.is_active
      ? postForm(context, `/projects/${project.id}/deactivate`, html`<button type="submit" class="secondary">Deactivate</button>`, {
          confirm: `Deactivate "${project.name}"? Its tokens stop working until it is activated again.`,
        })
      : postForm(context, `/projects/${project.id}/activate`, html`<button type="submit">Activate</button>`),
    ' ',
    postForm(context, `/projects/${project.id}/revoke-tokens`, html`<button type="submit" class="secondary">Revoke all tokens</button>`, {
      confirm: `Revoke all ${tokens.length} ${tokenWord} of "${project.name}"? They stop working at once.`,
    }),
    ' ',
    postForm(context, `/projects/${project.id}/delete`, html`<button type="submit" class="danger">Delete project</button>`, {
      confirm: `Delete "${project.name}" and its ${tokens.length} ${tokenWord}? This cannot be undone.`,
    }),
  ];
  const body = html`<p><a href="${context.base}/projects">← Projects</a></p>
<h1>${project.name}</h1>
<div class="panel"><dl class="facts">
<dt>Status</dt><dd>${badge(project.is_active ? 'active' : 'inactive')}</dd>
<dt>ID</dt><dd><code>${project.id}</code></dd>
<dt>API key</dt><dd><code>${project.api_key}</code></dd>
<dt>OpenAI organization</dt><dd>${project.openai_organization === null ? html`<span class="muted">none</span>` : html`<code>${project.openai_organization}</code>`}</dd>
<dt>OpenAI project</dt><dd>${project.openai_project === null ? html`<span class="muted">none</span>` : html`<code>${project.openai_project}</code>`}</dd>
<dt>Requests per minute</dt><dd>${project.requests_per_minute ?? html`<span class="muted">no limit</span>`}</dd>
<dt>Tokens</dt><dd>${tokens.length} (${live} active)</dd>
<dt>Created</dt><dd>${timeElement(project.created_at)}</dd>
<dt>Updated</dt><dd>${timeElement(project.updated_at)}</dd>
</dl><p>${actions}</p></div>
${usage === undefined ? '' : html`<div class="charts">${usageChart(usage.buckets, 'Requests per day, last 30 days', 'day')}${tokenChart(usage.buckets, 'Tokens per day, last 30 days', 'day')}</div>`}
${postForm(
  context,
  `/projects/${project.id}`,
  html`<h2>Edit</h2>
${formError(errors)}
<div class="row">
${field('edit-name', 'Name', html`<input id="edit-name" name="name" required maxlength="255" value="${values.name ?? project.name}"${describedBy('edit-name', errors.name, false)}>`, errors.name)}
${field('edit-key', 'New API key', html`<input id="edit-key" name="api_key" type="password" autocomplete="off"${describedBy('edit-key', errors.api_key, true)}>`, errors.api_key, 'Leave empty to keep the current key.')}
</div><div class="row">
${field('edit-org', 'OpenAI organization', html`<input id="edit-org" name="openai_organization" maxlength="255" autocomplete="off" value="${values.openai_organization ?? project.openai_organization ?? ''}"${describedBy('edit-org', errors.openai_organization, true)}>`, errors.openai_organization, 'Sent upstream as OpenAI-Organization (org-…); empty: none.')}
${field('edit-oproject', 'OpenAI project', html`<input id="edit-oproject" name="openai_project" maxlength="255" autocomplete="off" value="${values.openai_project ?? project.openai_project ?? ''}"${describedBy('edit-oproject', errors.openai_project, true)}>`, errors.openai_project, 'Sent upstream as OpenAI-Project (proj_…); empty: none.')}
${field('edit-rpm', 'Project requests per minute', html`<input id="edit-rpm" name="requests_per_minute" inputmode="numeric" value="${values.requests_per_minute ?? project.requests_per_minute ?? ''}"${describedBy('edit-rpm', errors.requests_per_minute, true)}>`, errors.requests_per_minute, 'All its tokens together; empty: no limit.')}
<div class="field"><button type="submit">Save</button></div></div>`,
  { className: 'panel' },
)}
<h2>Tokens</h2>
${project.is_active ? generateTokenForm(context, [project], project.id, `/projects/${project.id}`) : html`<p class="muted">Activate the project to generate tokens.</p>`}
${tokenTable(context, tokens, `/projects/${project.id}`)}
${extra.created === undefined ? '' : secretDialog(extra.created)}`;
  return renderPage(context, { title: project.name, section: 'projects', body, notice: extra.notice });
}

function listQuery(request: FastifyRequest): ListQuery {
  return { q: param(request.query, 'q'), status: param(request.query, 'status'), page: pageNumber(request.query) };
}

const THIRTY_DAYS_MS = 30 * 86_400_000;

/** The project, its tokens and its 30-day usage, for the detail page. */
export async function loadProjectDetail(deps: PageDeps, request: FastifyRequest, id: string) {
  const project = await deps.call<ProjectResponse>(request, 'GET', `/manage/projects/${encodeURIComponent(id)}`);
  if (project.status !== 200) return undefined;
  const from = new Date(Date.now() - THIRTY_DAYS_MS).toISOString().slice(0, 10);
  const [tokens, usage] = await Promise.all([
    deps.call<TokenResponse[]>(request, 'GET', `/manage/tokens?project_id=${encodeURIComponent(id)}`),
    deps.reads.usageReport({ project_id: id, granularity: 'day', from }),
  ]);
  return { project: project.body, tokens: tokens.status === 200 ? tokens.body : [], usage: usage.status === 200 ? usage.body : undefined };
}

export function registerProjectPages(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;

  async function listData(query: ListQuery): Promise<ProjectListData> {
    return deps.reads.projectPage({ ...query, size: PAGE_SIZE });
  }

  app.get(`${base}/projects`, async (request, reply) => {
    const query = listQuery(request);
    return sendPage(reply, renderProjectList(contextOf(deps, request), await listData(query), query, { notice: noticeOf(request.query) }));
  });

  app.post(`${base}/projects`, async (request, reply) => {
    const form = request.body as Form;
    const created = await deps.call<ProjectResponse>(request, 'POST', '/manage/projects', { name: form.name ?? '', api_key: form.api_key ?? '' });
    if (created.status === 201) return redirectTo(reply, deps, `/projects/${created.body.id}`, 'project-created');
    const query = { q: undefined, status: undefined, page: 1 };
    const page = renderProjectList(contextOf(deps, request), await listData(query), query, { errors: projectFieldErrors(created), values: { name: form.name } });
    return sendPage(reply, page, created.status);
  });

  app.get<{ Params: { id: string } }>(`${base}/projects/:id`, async (request, reply) => {
    const detail = await loadProjectDetail(deps, request, request.params.id);
    if (detail === undefined) return sendNotFound(deps, request, reply, 'This project');
    return sendPage(reply, renderProjectDetail(contextOf(deps, request), detail.project, detail.tokens, detail.usage, { notice: noticeOf(request.query) }));
  });

  app.post<{ Params: { id: string } }>(`${base}/projects/:id`, async (request, reply) => {
    const form = request.body as Form;
    const id = request.params.id;
    const updated = await deps.call(request, 'PATCH', `/manage/projects/${encodeURIComponent(id)}`, {
      name: form.name ?? '',
      ...(form.api_key ? { api_key: form.api_key } : {}),
      // Present on the edit form: empty clears the id, or lifts the limit.
      ...(form.openai_organization !== undefined && { openai_organization: form.openai_organization }),
      ...(form.openai_project !== undefined && { openai_project: form.openai_project }),
      ...(form.requests_per_minute !== undefined && { requests_per_minute: formLimit(form.requests_per_minute) }),
    });
    if (updated.status === 200) return redirectTo(reply, deps, `/projects/${id}`, 'project-updated');
    const detail = await loadProjectDetail(deps, request, id);
    if (detail === undefined) return sendNotFound(deps, request, reply, 'This project');
    return sendPage(reply, renderProjectDetail(contextOf(deps, request), detail.project, detail.tokens, detail.usage, { errors: projectFieldErrors(updated), values: form }), updated.status);
  });

  /** A change without a form of its own: back to the project's page, or its error shown there. */
  async function afterAction(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, answer: ManageAnswer<unknown>, notice: 'project-activated' | 'project-deactivated' | 'tokens-revoked') {
    if (answer.status === 200) return redirectTo(reply, deps, `/projects/${request.params.id}`, notice);
    return showProjectError(request, reply, errorMessageOf(answer), answer.status);
  }

  for (const [action, isActive] of [['activate', true], ['deactivate', false]] as const) {
    app.post<{ Params: { id: string } }>(`${base}/projects/:id/${action}`, async (request, reply) => {
      const answer = await deps.call(request, 'PATCH', `/manage/projects/${encodeURIComponent(request.params.id)}`, { is_active: isActive });
      return afterAction(request, reply, answer, isActive ? 'project-activated' : 'project-deactivated');
    });
  }

  app.post<{ Params: { id: string } }>(`${base}/projects/:id/revoke-tokens`, async (request, reply) => {
    const answer = await deps.call(request, 'POST', `/manage/projects/${encodeURIComponent(request.params.id)}/tokens/revoke`);
    return afterAction(request, reply, answer, 'tokens-revoked');
  });

  app.post<{ Params: { id: string } }>(`${base}/projects/:id/delete`, async (request, reply) => {
    const answer = await deps.call(request, 'DELETE', `/manage/projects/${encodeURIComponent(request.params.id)}`);
    if (answer.status === 200) return redirectTo(reply, deps, '/projects', 'project-deleted');
    return showProjectError(request, reply, errorMessageOf(answer), answer.status);
  });

  async function showProjectError(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, message: string, status: number) {
    const detail = await loadProjectDetail(deps, request, request.params.id);
    if (detail === undefined) return sendNotFound(deps, request, reply, 'This project');
    return sendPage(reply, renderProjectDetail(contextOf(deps, request), detail.project, detail.tokens, detail.usage, { notice: { kind: 'error', text: message } }), status);
  }
}
