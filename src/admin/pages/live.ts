import type { FastifyInstance } from 'fastify';
import type { EventBus, ProxyEvent } from '../../events/index.js';
import { createEventStreamWriter, type EventStreamWriter } from '../../manage/event-stream-writer.js';
import { html } from '../html.js';
import { renderPage } from '../layout.js';
import { contextOf, sendPage, type PageDeps } from '../page-deps.js';

export interface LiveTailOptions {
  readonly bus: EventBus;
  readonly maxQueuedEvents: number;
}

/** What the tail shows of a call: no bodies, no token (its id only). */
function frameOf(event: ProxyEvent): string {
  const call = {
    at: event.ended_at,
    project: event.project_id,
    token: event.token_id,
    method: event.method,
    path: event.path,
    status: event.status,
    ms: event.duration_ms,
    tokens: event.usage.total_tokens,
  };
  return `event: call\ndata: ${JSON.stringify(call)}\n\n`;
}

/**
 * The live tail: a page, and its same-origin event stream behind the session (the same bus as
 * GET /manage/events, subscribed only while a page is open).
 */
export function registerLivePage(app: FastifyInstance, deps: PageDeps, live: LiveTailOptions): void {
  const { base } = deps;
  const clients = new Set<EventStreamWriter>();
  let unsubscribe: (() => void) | undefined;

  app.get(`${base}/live`, async (request, reply) => {
    const body = html`<h1>Live</h1>
<p id="live-status" role="status" class="muted">Connecting…</p>
<div class="table-wrap"><table id="live-log" data-stream="${base}/live/stream" aria-live="polite"><thead><tr><th scope="col">Time</th><th scope="col">Project</th><th scope="col">Token</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col" class="num">Status</th><th scope="col" class="num">ms</th><th scope="col" class="num">Tokens</th></tr></thead><tbody></tbody></table></div>`;
    return sendPage(reply, renderPage(contextOf(deps, request), { title: 'Live', section: 'live', body }));
  });

  app.get(`${base}/live/stream`, { exposeHeadRoute: false }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'close' });
    const client = createEventStreamWriter(res, live.maxQueuedEvents);
    client.comment('connected');
    clients.add(client);
    unsubscribe ??= live.bus.subscribe((event) => {
      const frame = frameOf(event);
      for (const each of clients) each.send(frame);
    });
    res.once('close', () => {
      clients.delete(client);
      if (clients.size === 0) {
        unsubscribe?.();
        unsubscribe = undefined;
      }
    });
  });

  app.addHook('preClose', async () => {
    for (const client of clients) client.end();
  });
}
