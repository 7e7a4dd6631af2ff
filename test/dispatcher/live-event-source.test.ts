import { createServer, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connectLiveEventSource, openDeadLetterFile } from '../../src/dispatcher/index.js';
import type { ProxyEvent } from '../../src/events/index.js';
import { ManageApiError, openManageEventStream } from '../../src/manage-client/index.js';
import { listenOnLoopback } from '../support/http-server.js';
import { makeTempDir } from '../support/temp-dir.js';
import { makeEvent } from './fake-source.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const frame = (event: ProxyEvent) => `id: ${event.event_id}\nevent: proxy_event\ndata: ${JSON.stringify(event)}\n\n`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A stand-in for the server's /manage/events: each connection gets what `script` writes. */
async function sseServer(script: (res: ServerResponse, connection: number) => void) {
  let connections = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== 'Bearer right') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"Invalid management token","type":"authentication_error","code":"invalid_management_token"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    script(res, connections++);
  });
  const listening = await listenOnLoopback(server);
  cleanups.push(listening.close);
  return { url: listening.url, connections: () => connections };
}

async function readAll(source: { read(max: number, waitMs: number): Promise<{ event: ProxyEvent }[]> }, count: number): Promise<ProxyEvent[]> {
  const events: ProxyEvent[] = [];
  const deadline = Date.now() + 10_000;
  while (events.length < count && Date.now() < deadline) events.push(...(await source.read(100, 50)).map((received) => received.event));
  return events;
}

describe('the live stream as an event source', () => {
  it('reads events, reconnects when the stream ends, and adds up what the server says it dropped', async () => {
    const [a, b, c] = [makeEvent(), makeEvent(), makeEvent()];
    const server = await sseServer((res, connection) => {
      if (connection === 0) res.end(`: connected\n\n${frame(a)}: dropped 5 events in total\n\n${frame(b)}`);
      else res.write(frame(c));
    });
    const notices: string[] = [];
    const source = await connectLiveEventSource({
      open: () => openManageEventStream({ baseUrl: server.url, managementToken: 'right' }),
      description: server.url,
      bufferSize: 10,
      reconnect: { baseMs: 1, maxMs: 5 },
      onNotice: (notice) => notices.push(notice),
    });
    cleanups.push(() => source.close());

    expect((await readAll(source, 3)).map((event) => event.event_id)).toEqual([a.event_id, b.event_id, c.event_id]);
    expect(source.serverDropped()).toBe(5);
    expect(server.connections()).toBe(2);
    expect(notices[0]).toMatch(/^lost the live event stream of http:\/\/127\.0\.0\.1:\d+; reconnecting \(events published meanwhile are lost\)$/);
    expect(notices[1]).toMatch(/^reconnected/);
    expect(await source.lag()).toBeUndefined();
  });

  it('fails reading once the server refuses the management token on reconnection', async () => {
    let token = 'right';
    const server = await sseServer((res) => res.end(': connected\n\n'));
    const source = await connectLiveEventSource({
      open: () => openManageEventStream({ baseUrl: server.url, managementToken: token }),
      description: server.url,
      bufferSize: 10,
      reconnect: { baseMs: 1, maxMs: 5 },
    });
    cleanups.push(() => source.close());
    token = 'rotated';
    let failure: unknown;
    const deadline = Date.now() + 10_000;
    while (failure === undefined && Date.now() < deadline) failure = await source.read(10, 50).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ManageApiError);
    expect((failure as ManageApiError).status).toBe(401);
  });

  it('keeps dead letters in a JSON lines file when one is given', async () => {
    const temp = makeTempDir();
    cleanups.push(temp.remove);
    const server = await sseServer((res) => res.write(': connected\n\n'));
    const path = join(temp.dir, 'dead.jsonl');
    const source = await connectLiveEventSource({
      open: () => openManageEventStream({ baseUrl: server.url, managementToken: 'right' }),
      description: server.url,
      bufferSize: 10,
      deadLetter: await openDeadLetterFile(path),
    });
    const event = makeEvent();
    await source.deadLetter([{ deliveryId: event.event_id, event }], 'HTTP 400');
    await source.close();
    const [line] = readFileSync(path, 'utf8').trim().split('\n');
    expect(JSON.parse(line ?? '')).toMatchObject({ reason: 'HTTP 400', event });
  });
});
