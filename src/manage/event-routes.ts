import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EventBus, ProxyEvent } from '../events/index.js';
import { createEventStreamWriter, type EventStreamWriter } from './event-stream-writer.js';
import { errorResponse } from './schemas.js';

export interface LiveEventsOptions {
  readonly bus: EventBus;
  /** Events kept for a client that reads slowly, at most; then they are dropped and counted. */
  readonly maxQueuedEvents: number;
  /** Comment lines that keep idle connections (and proxies between) open. Default 15 s. */
  readonly keepAliveMs?: number;
}

const DESCRIPTION = `Server-sent events: one \`proxy_event\` message per proxied call (\`id:\` its event_id, \`data:\` the event JSON, schema v1),
and a \`: keep-alive\` comment every 15 s. Only what is published while connected is sent: nothing is kept for later.
A client that reads too slowly never holds up the proxy: what does not fit its bounded queue is dropped, and the
next comment line says how many (\`: dropped <total> …\`). \`llm-proxy dispatcher\` reads this stream.`;

/** The SSE frame of one event; built once per event, whatever the number of clients. */
function frameOf(event: ProxyEvent): string {
  return `id: ${event.event_id}\nevent: proxy_event\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * `GET /manage/events`: the live stream of proxy events. Registered inside manageRoutes, behind
 * its management-token check. The bus is subscribed to only while a client is connected (with
 * no subscriber, the proxy does not even build events). Streams end when the server closes.
 */
export function eventRoutes(parent: FastifyInstance, options: LiveEventsOptions): void {
  const routes = parent.withTypeProvider<ZodTypeProvider>();
  const clients = new Set<EventStreamWriter>();
  let unsubscribe: (() => void) | undefined;
  let keepAlive: NodeJS.Timeout | undefined;

  function publish(event: ProxyEvent): void {
    const frame = frameOf(event);
    for (const client of clients) client.send(frame);
  }

  function attach(client: EventStreamWriter): void {
    clients.add(client);
    unsubscribe ??= options.bus.subscribe(publish);
    keepAlive ??= setInterval(() => {
      for (const each of clients) each.comment('keep-alive');
    }, options.keepAliveMs ?? 15_000).unref();
  }

  function detach(client: EventStreamWriter): void {
    if (!clients.delete(client) || clients.size > 0) return;
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(keepAlive);
    keepAlive = undefined;
  }

  routes.get(
    '/manage/events',
    {
      // A HEAD request would hold a subscription open with nothing to send it.
      exposeHeadRoute: false,
      schema: {
        tags: ['events'],
        summary: 'Live stream of proxy events (text/event-stream)',
        description: DESCRIPTION,
        security: [{ bearerAuth: [] }],
        response: { 401: errorResponse },
      },
    },
    (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no', // nginx: pass each event on at once
        // The stream ends only when the client leaves or the server stops: no connection reuse after it.
        connection: 'close',
      });
      const client = createEventStreamWriter(res, options.maxQueuedEvents);
      client.comment('connected: proxy events follow as they are published');
      attach(client);
      request.log.info({ clients: clients.size }, 'live event stream opened');
      res.once('close', () => {
        detach(client);
        request.log.info({ clients: clients.size, dropped: client.dropped }, 'live event stream closed');
      });
    },
  );

  // Before the server waits for its connections to end: these never would by themselves.
  parent.addHook('preClose', async () => {
    for (const client of clients) client.end();
  });
}
