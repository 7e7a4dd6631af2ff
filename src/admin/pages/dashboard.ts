import type { FastifyInstance } from 'fastify';
import { tokenChart, usageChart } from '../chart.js';
import { html } from '../html.js';
import { renderPage } from '../layout.js';
import { contextOf, noticeOf, sendPage, type PageDeps } from '../page-deps.js';

const card = (value: number | string, label: string) => html`<div class="card"><div class="value">${value}</div><div class="label">${label}</div></div>`;

export function registerDashboard(app: FastifyInstance, deps: PageDeps): void {
  app.get(`${deps.base}/`, async (request, reply) => {
    const now = Date.now();
    const hourAgo24 = new Date(now - 24 * 3_600_000).toISOString().slice(0, 13) + ':00:00Z';
    const daysAgo30 = new Date(now - 29 * 86_400_000).toISOString().slice(0, 10);
    const [allProjects, activeTokens, day, month] = await Promise.all([
      deps.reads.projectChoices(),
      deps.reads.activeTokenCount(),
      deps.reads.usageReport({ granularity: 'hour', from: hourAgo24 }),
      deps.reads.usageReport({ granularity: 'day', from: daysAgo30 }),
    ]);
    const dayTotals = day.body.totals;
    const monthTotals = month.body.totals;
    const top = (month.body.projects ?? []).slice(0, 10);
    // The ledger counts calls, it keeps no single call: recent errors are shown per project and hour.
    const failing = (day.body.projects ?? []).filter((row) => row.errors > 0).sort((a, b) => b.errors - a.errors);
    const errorHours = day.body.buckets.filter((bucket) => bucket.errors > 0).reverse().slice(0, 6);
    const context = contextOf(deps, request);
    const body = html`<h1>Dashboard</h1>
<div class="cards">
${card(allProjects.length, 'projects')}${card(allProjects.filter((project) => project.is_active).length, 'active projects')}${card(activeTokens, 'active tokens')}
${card(dayTotals.requests, 'requests, 24 h')}${card(dayTotals.errors, 'errors, 24 h')}
${card(dayTotals.prompt_tokens, 'tokens in, 24 h')}${card(dayTotals.completion_tokens, 'tokens out, 24 h')}
${card(monthTotals.requests, 'requests, 30 days')}${card(monthTotals.total_tokens, 'tokens, 30 days')}
</div>
<div class="charts">
${usageChart(day.body.buckets, 'Requests per hour, last 24 hours', 'hour')}
${tokenChart(day.body.buckets, 'Tokens per hour, last 24 hours', 'hour')}
${usageChart(month.body.buckets, 'Requests per day, last 30 days', 'day')}
${tokenChart(month.body.buckets, 'Tokens per day, last 30 days', 'day')}
</div>
<h2>Recent errors, last 24 hours</h2>
${failing.length === 0
  ? html`<p class="muted">No errors in the last 24 hours.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">Project</th><th scope="col" class="num">Errors</th><th scope="col" class="num">of requests</th></tr></thead><tbody>
${failing.map(
  (row) => html`<tr><td>${row.project_name === null ? html`<span class="muted">(deleted) ${row.project_id}</span>` : html`<a href="${context.base}/usage?project_id=${row.project_id}&amp;granularity=hour">${row.project_name}</a>`}</td>
<td class="num">${row.errors}</td><td class="num">${row.requests}</td></tr>`,
)}</tbody></table></div>
<p class="muted">Latest hours with errors: ${errorHours.map((bucket, index) => html`${index > 0 ? ', ' : ''}${bucket.start.slice(11, 16)} UTC (${bucket.errors})`)}</p>`}
<h2>Top projects, last 30 days</h2>
${top.length === 0
  ? html`<p class="muted">No usage in the last 30 days.</p>`
  : html`<div class="table-wrap"><table><thead><tr><th scope="col">Project</th><th scope="col" class="num">Requests</th><th scope="col" class="num">Errors</th><th scope="col" class="num">Tokens in</th><th scope="col" class="num">Tokens out</th></tr></thead><tbody>
${top.map(
  (row) => html`<tr><td>${row.project_name === null ? html`<span class="muted">(deleted) ${row.project_id}</span>` : html`<a href="${context.base}/projects/${row.project_id}">${row.project_name}</a>`}</td>
<td class="num">${row.requests}</td><td class="num">${row.errors}</td><td class="num">${row.prompt_tokens}</td><td class="num">${row.completion_tokens}</td></tr>`,
)}</tbody></table></div>`}`;
    return sendPage(reply, renderPage(context, { title: 'Dashboard', section: 'dashboard', body, notice: noticeOf(request.query) }));
  });
}
