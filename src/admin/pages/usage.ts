import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UsageResponse } from '../../manage/index.js';
import { tokenChart, usageChart } from '../chart.js';
import { html } from '../html.js';
import { projectOptions, renderPage } from '../layout.js';
import { errorMessageOf } from '../manage-caller.js';
import { contextOf, param, sendPage, type PageDeps } from '../page-deps.js';

const COLUMNS = ['requests', 'errors', 'cache_hits', 'upstream_calls', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'total_tokens'] as const;

interface UsageFilter {
  readonly project_id?: string | undefined;
  readonly token_id?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly granularity: 'hour' | 'day';
}

function filterOf(request: FastifyRequest): UsageFilter {
  return {
    project_id: param(request.query, 'project_id'),
    token_id: param(request.query, 'token_id'),
    from: param(request.query, 'from'),
    to: param(request.query, 'to'),
    granularity: param(request.query, 'granularity') === 'hour' ? 'hour' : 'day',
  };
}

function queryParams(filter: UsageFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (typeof value === 'string' && value !== '') params.set(key, value);
  return params;
}

const queryString = (filter: UsageFilter): string => queryParams(filter).toString();
const reportOf = (deps: PageDeps, filter: UsageFilter) => deps.reads.usageReport(Object.fromEntries(queryParams(filter)));

/** A CSV cell: quoted when needed, and a leading = + - @ defused (spreadsheets would run it as a formula). */
function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usageCsv(report: UsageResponse): string {
  const lines = [['start', ...COLUMNS].join(',')];
  for (const bucket of report.buckets) lines.push([bucket.start, ...COLUMNS.map((column) => bucket[column])].map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function registerUsagePages(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;

  app.get(`${base}/usage`, async (request, reply) => {
    const filter = filterOf(request);
    const [report, projects] = await Promise.all([
      reportOf(deps, filter),
      deps.reads.projectChoices(),
    ]);
    const context = contextOf(deps, request);
    const ok = report.status === 200;
    const granularityOption = (value: string, label: string) => html`<option value="${value}"${filter.granularity === value ? html` selected` : ''}>${label}</option>`;
    const body = html`<h1>Usage</h1>
<form method="get" action="${base}/usage" class="row panel">
<div class="field"><label for="usage-project">Project</label><select id="usage-project" name="project_id"><option value="">All</option>
${projectOptions(projects, filter.project_id)}</select></div>
<div class="field"><label for="usage-token">Token id</label><input id="usage-token" name="token_id" value="${filter.token_id ?? ''}" size="20"></div>
<div class="field"><label for="usage-from">From</label><input id="usage-from" name="from" type="date" value="${filter.from ?? ''}"></div>
<div class="field"><label for="usage-to">To (excluded)</label><input id="usage-to" name="to" type="date" value="${filter.to ?? ''}"></div>
<div class="field"><label for="usage-granularity">By</label><select id="usage-granularity" name="granularity">${granularityOption('day', 'day')}${granularityOption('hour', 'hour')}</select></div>
<div class="field"><button type="submit" class="secondary">Show</button></div></form>
${ok
  ? html`<p><a class="button secondary" href="${base}/usage.csv?${queryString(filter)}" download>Download CSV</a>
<span class="muted">${report.body.from} to ${report.body.to}, UTC</span></p>
<div class="charts">${usageChart(report.body.buckets, `Requests per ${filter.granularity}`, filter.granularity)}
${tokenChart(report.body.buckets, `Tokens per ${filter.granularity}`, filter.granularity)}</div>
<div class="table-wrap"><table><caption class="muted">Totals</caption><thead><tr>${COLUMNS.map((column) => html`<th scope="col" class="num">${column.replace('_', ' ')}</th>`)}</tr></thead>
<tbody><tr>${COLUMNS.map((column) => html`<td class="num">${report.body.totals[column]}</td>`)}</tr></tbody></table></div>
<h2>By ${filter.granularity}</h2>
<div class="table-wrap"><table><thead><tr><th scope="col">Start (UTC)</th>${COLUMNS.map((column) => html`<th scope="col" class="num">${column.replace('_', ' ')}</th>`)}</tr></thead><tbody>
${report.body.buckets.filter((bucket) => bucket.requests > 0).reverse().map((bucket) => html`<tr><td>${bucket.start.slice(0, 16).replace('T', ' ')}</td>${COLUMNS.map((column) => html`<td class="num">${bucket[column]}</td>`)}</tr>`)}
</tbody></table></div>`
  : html`<div class="alert error" role="alert">${errorMessageOf(report)}</div>`}`;
    return sendPage(reply, renderPage(context, { title: 'Usage', section: 'usage', body }), ok ? 200 : report.status);
  });

  app.get(`${base}/usage.csv`, async (request, reply) => {
    const filter = filterOf(request);
    const report = await reportOf(deps, filter);
    if (report.status !== 200) return reply.code(report.status).type('text/plain; charset=utf-8').send(errorMessageOf(report));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="usage-${report.body.from.slice(0, 10)}-${report.body.to.slice(0, 10)}.csv"`)
      .send(usageCsv(report.body));
  });
}
