import type { FastifyInstance } from 'fastify';
import type { CacheStatsResponse } from '../../manage/index.js';
import { html } from '../html.js';
import { postForm, projectOptions, renderPage } from '../layout.js';
import { errorMessageOf } from '../manage-caller.js';
import { contextOf, noticeOf, redirectTo, sendPage, type PageDeps } from '../page-deps.js';

const STATS: readonly [keyof CacheStatsResponse, string][] = [
  ['entries', 'entries'],
  ['bytes', 'bytes'],
  ['hits', 'hits'],
  ['misses', 'misses'],
  ['stores', 'stores'],
  ['evictions', 'evictions'],
  ['coalesced_waits', 'coalesced waits'],
  ['backend_errors', 'backend errors'],
];

export function registerCachePages(app: FastifyInstance, deps: PageDeps): void {
  const { base } = deps;

  app.get(`${base}/cache`, async (request, reply) => {
    const [stats, projects] = await Promise.all([
      deps.call<CacheStatsResponse>(request, 'GET', '/manage/cache/stats'),
      deps.reads.projectChoices(),
    ]);
    const context = contextOf(deps, request);
    const body =
      stats.status !== 200
        ? html`<h1>Cache</h1><div class="alert" role="status">${errorMessageOf(stats)}</div>`
        : html`<h1>Cache</h1>
<p class="muted">Backend: ${stats.body.backend}</p>
<div class="cards">${STATS.map(([key, label]) => html`<div class="card"><div class="value" data-stat="${key}">${String(stats.body[key])}</div><div class="label">${label}</div></div>`)}</div>
${postForm(
  context,
  '/cache/purge',
  html`<h2>Purge</h2><div class="row"><div class="field"><label for="purge-project">Entries of</label><select id="purge-project" name="project_id"><option value="">every project</option>
${projectOptions(projects)}</select></div>
<div class="field"><button type="submit" class="danger">Purge</button></div></div>`,
  { className: 'panel', confirm: 'Purge the cached answers? The next calls go upstream.' },
)}`;
    return sendPage(reply, renderPage(context, { title: 'Cache', section: 'cache', body, notice: noticeOf(request.query) }));
  });

  app.post(`${base}/cache/purge`, async (request, reply) => {
    const projectId = (request.body as Record<string, string | undefined>).project_id;
    const answer = await deps.call(request, 'DELETE', `/manage/cache${projectId ? `?project_id=${encodeURIComponent(projectId)}` : ''}`);
    if (answer.status === 200) return redirectTo(reply, deps, '/cache', 'cache-purged');
    return sendPage(reply, renderPage(contextOf(deps, request), { title: 'Cache', section: 'cache', body: html`<h1>Cache</h1>`, notice: { kind: 'error', text: errorMessageOf(answer) } }), answer.status);
  });
}
