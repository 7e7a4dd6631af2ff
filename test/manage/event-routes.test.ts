import { request as httpRequest, type IncomingMessage } from 'node:http';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventBus, type ProxyEvent } from '../../src/events/index.js';
import { eventRoutes } from '../../src/manage/event-routes.js';
import { createEventStreamParser, openManageEventStream, type ManageEventStream, type StreamItem } from '../../src/manage-client/index.js';
import { makeEvent } from '../dispatcher/fake-source.js';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';

/** Reads items until `accept` says stop; fails after `limit` items. */
async function readUntil(stream: ManageEventStream, accept: (item: StreamItem) => boolean, limit = 10_000): Promise<StreamItem> {
  for (let index = 0; index < limit; index += 1) {
    const item = await stream.next();
    if (item === undefined) throw new Error('the stream ended');
    if (accept(item)) return item;
  }
  throw new Error(`nothing matched in ${limit} items`);
}

const isEvent = (item: StreamItem): item is Extract<StreamItem, { kind: 'message' }> => item.kind === 'message' && item.event === 'proxy_event';

describe('GET /manage/events (the real server)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ OBSERVABILITY_BUFFER_SIZE: '50' });
  });
  afterAll(() => harness.close());

  it('refuses a missing or wrong management token with 401 in the OpenAI error shape', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
      const response = await fetch(`${harness.url}/manage/events`, { headers });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_management_token');
    }
  });

  it('streams each proxied call as a proxy_event message: id is the event id, data the v1 event', async () => {
    const { token, tokenId, projectId } = await harness.issueToken();
    const stream = await openManageEventStream({ baseUrl: harness.url, managementToken: MANAGEMENT_TOKEN });
    try {
      const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      const requestId = response.headers.get('x-request-id');

      const item = await readUntil(stream, (candidate) => isEvent(candidate) && (JSON.parse(candidate.data) as ProxyEvent).request_id === requestId);
      const event = JSON.parse((item as { data: string }).data) as ProxyEvent;
      expect((item as { id: string }).id).toBe(event.event_id);
      expect(event).toMatchObject({
        schema_version: 1,
        method: 'POST',
        path: '/v1/chat/completions',
        status: 200,
        project_id: projectId,
        token_id: tokenId,
      });
      expect(JSON.stringify(event)).not.toContain(token);
    } finally {
      stream.close();
    }
  });

  it('never lets a client that does not read hold up the proxy: its queue is bounded, the rest dropped and counted', async () => {
    // A client that reads the stream's head, then stops reading: its socket buffers fill up.
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${harness.url}/manage/events`, { headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}` } }, resolve);
      req.on('error', reject).end();
    });
    const parser = createEventStreamParser();
    const items: StreamItem[] = [];
    response.setEncoding('utf8');
    await new Promise((resolve) => response.once('data', (text: string) => resolve(items.push(...parser.push(text)))));
    response.pause();

    // Events of 12 KiB (the path is in the event): 1,000 of them are far more than the socket buffers hold (~4 MB).
    const calls = 1000;
    const longPath = `/v1/${'x'.repeat(12 * 1024)}`;
    const busBefore = harness.proxy.events.stats();
    let next = 0;
    const statuses = new Set<number>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < calls) {
          next += 1;
          const answer = await fetch(harness.url + longPath);
          statuses.add(answer.status);
          await answer.arrayBuffer();
        }
      }),
    );
    // Every request was answered (refused: the path is not an endpoint) while the client read nothing.
    expect([...statuses].every((status) => status >= 400 && status < 500)).toBe(true);
    const busDropped = harness.proxy.events.stats().dropped - busBefore.dropped;

    // Now read everything: what arrived plus what the server says it dropped is every event.
    let received = 0;
    let dropped = 0;
    response.on('data', (text: string) => {
      for (const item of parser.push(text)) {
        if (isEvent(item) && (JSON.parse(item.data) as ProxyEvent).path === longPath) received += 1;
        const match = item.kind === 'comment' ? /^dropped (\d+)/.exec(item.text) : null;
        if (match) dropped = Number(match[1]);
      }
    });
    response.resume();
    const deadline = Date.now() + 15_000;
    while (received + dropped + busDropped < calls && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    response.destroy();

    expect(dropped).toBeGreaterThan(0);
    expect(received + dropped + busDropped).toBe(calls);
  });
});

describe('GET /manage/events and the server lifecycle', () => {
  it('unsubscribes from the bus when the client leaves, and ends the stream when the server closes', async () => {
    const harness = await startHarness();
    let closed = false;
    try {
      const first = await openManageEventStream({ baseUrl: harness.url, managementToken: MANAGEMENT_TOKEN });
      expect(harness.proxy.events.hasSubscribers).toBe(true);
      first.close();
      const deadline = Date.now() + 5000;
      while (harness.proxy.events.hasSubscribers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(harness.proxy.events.hasSubscribers).toBe(false);

      const second = await openManageEventStream({ baseUrl: harness.url, managementToken: MANAGEMENT_TOKEN });
      await second.next(); // the `connected` comment
      const closing = harness.close().then(() => (closed = true));
      expect(await second.next()).toBeUndefined();
      await closing;
    } finally {
      if (!closed) await harness.close();
    }
  });

  it('sends a keep-alive comment to idle clients', async () => {
    const bus = createInMemoryEventBus({ bufferSize: 10 });
    const app = Fastify().setValidatorCompiler(validatorCompiler).setSerializerCompiler(serializerCompiler);
    eventRoutes(app, { bus, maxQueuedEvents: 10, keepAliveMs: 30 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const stream = await openManageEventStream({ baseUrl: url, managementToken: 'unused here' });
      const comments: string[] = [];
      await readUntil(stream, (item) => item.kind === 'comment' && comments.push(item.text) >= 2);
      expect(comments).toEqual(['connected: proxy events follow as they are published', 'keep-alive']);
      bus.publish(makeEvent());
      const message = await readUntil(stream, isEvent);
      expect(message).toMatchObject({ kind: 'message', event: 'proxy_event' });
      stream.close();
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
