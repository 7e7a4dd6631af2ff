import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInOpenAiProvider, createUpstream } from '../../src/proxy/index.js';
import type { Upstream, UpstreamCall, UpstreamHandlers } from '../../src/proxy/upstream.js';
import { makeTempDir } from '../support/temp-dir.js';

const limits = {
  connectTimeoutMs: 1000,
  responseHeaderTimeoutMs: 1000,
  streamIdleTimeoutMs: 1000,
  clientBodyIdleMs: 1000,
  maxConnections: 2,
  maxQueue: 2,
};

interface Outcome {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Handlers that collect a response; `pauseFirst` answers the first chunk with a pause. */
function collect(options: { pauseFirst?: boolean } = {}): { handlers: UpstreamHandlers; done: Promise<Outcome>; paused: Promise<void> } {
  let status = 0;
  let headers: IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  let markPaused: () => void = () => {};
  const paused = new Promise<void>((resolve) => (markPaused = resolve));
  let settle: { resolve: (outcome: Outcome) => void; reject: (error: Error) => void } | undefined;
  const done = new Promise<Outcome>((resolve, reject) => (settle = { resolve, reject }));
  const handlers: UpstreamHandlers = {
    head(code, received) {
      status = code;
      headers = received;
    },
    body(chunk) {
      chunks.push(Buffer.from(chunk));
      if (options.pauseFirst === true && chunks.length === 1) {
        markPaused();
        return false;
      }
      return true;
    },
    end: () => settle?.resolve({ status, headers, body: Buffer.concat(chunks).toString() }),
    error: (error) => settle?.reject(error),
  };
  return { handlers, done, paused };
}

describe('upstream connections of the proxy itself', () => {
  let server: Server;
  let upstream: Upstream;
  const connections = new Set<Socket>();
  let handle: (path: string, res: ServerResponse, body: string) => void;

  beforeEach(async () => {
    connections.clear();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handle(req.url ?? '/', res, `${req.method} ${req.headers['content-length'] ?? '-'} ${body}`));
    });
    server.on('connection', (socket: Socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    upstream = createUpstream(builtInOpenAiProvider(`http://127.0.0.1:${port}`), limits);
    handle = (_path, res, body) => res.end(body);
  });

  afterEach(async () => {
    upstream.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (method: string, body?: string, handlers = collect()) => {
    const call = upstream.request(method, '/v1/echo', ['host', 'upstream', 'content-type', 'text/plain'], body === undefined ? undefined : Buffer.from(body), handlers.handlers);
    return { call, ...handlers };
  };

  it('sends the body it holds, announces an empty one, and reuses one keep-alive connection', async () => {
    expect((await send('POST', 'hello').done).body).toBe('POST 5 hello');
    expect((await send('POST').done).body).toBe('POST 0 ');
    expect((await send('GET').done).body).toBe('GET - ');
    expect(connections.size).toBe(1);
  });

  it('relays a chunked stream chunk by chunk and keeps the connection after it', async () => {
    handle = (_path, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: [DONE]\n\n'), 20);
    };
    const outcome = await send('GET').done;
    expect([outcome.status, outcome.headers['transfer-encoding'], outcome.body]).toEqual([200, 'chunked', 'data: 1\n\ndata: [DONE]\n\n']);
    handle = (_path, res, body) => res.end(body);
    await send('GET').done;
    expect(connections.size).toBe(1);
  });

  it('queues calls past the connection cap and refuses past the queue', async () => {
    const held: (() => void)[] = [];
    handle = (_path, res, body) => held.push(() => res.end(body));
    const calls = [send('GET'), send('GET'), send('GET'), send('GET')];
    expect(upstream.isSaturated()).toBe(true);
    expect(() => send('GET')).toThrow(/2 upstream connections busy and 2 requests waiting/);
    while (held.length < 2) await sleep(5);
    expect(connections.size).toBe(2);
    // Each answer frees a connection for the next waiting call.
    for (let answered = 0; answered < calls.length; answered++) {
      while (held.length === 0) await sleep(5);
      held.shift()?.();
    }
    expect((await Promise.all(calls.map((call) => call.done))).map((outcome) => outcome.status)).toEqual([200, 200, 200, 200]);
    expect(connections.size).toBe(2);
  });

  it('does not send on a connection the upstream closed while it was idle', async () => {
    await send('GET').done;
    for (const socket of connections) socket.destroy();
    await sleep(20);
    expect((await send('POST', 'again').done).body).toBe('POST 5 again');
  });

  it('gives up an idle connection a second before the upstream said it would close it (Keep-Alive: timeout)', async () => {
    server.keepAliveTimeout = 1500; // node announces Keep-Alive: timeout=1
    const first = await send('GET').done;
    expect(first.headers['keep-alive']).toBe('timeout=1');
    await sleep(20);
    await send('GET').done;
    expect(connections.size).toBe(2);
  });

  it('pauses reading while the handler asks it to, and resumes', async () => {
    handle = (_path, res) => {
      res.write('x'.repeat(1000));
      setTimeout(() => res.end('y'), 20);
    };
    const pending = send('GET', undefined, collect({ pauseFirst: true }));
    await pending.paused;
    await sleep(100);
    pending.call.resume();
    expect((await pending.done).body).toBe(`${'x'.repeat(1000)}y`);
  });

  it('reuses a connection whose last chunk asked for a pause, reading again for the next call', async () => {
    const paused = send('GET', undefined, collect({ pauseFirst: true }));
    await paused.paused;
    expect((await paused.done).body).toBe('GET - ');
    paused.call.resume(); // the client drained after the call was over
    const next = await Promise.race([send('POST', 'next').done, sleep(2000).then(() => 'stuck')]);
    expect(next).toMatchObject({ body: 'POST 4 next' });
    expect(connections.size).toBe(1);
  });

  it('reports a destroyed call as failed and does not reuse its connection', async () => {
    handle = (_path, res) => res.write('partial');
    const pending = send('GET');
    while (connections.size === 0) await sleep(5);
    await sleep(20);
    (pending.call as UpstreamCall).destroy();
    await expect(pending.done).rejects.toThrow();
    handle = (_path, res, body) => res.end(body);
    await send('GET').done;
    expect(connections.size).toBe(2);
  });

  it('fails a call whose upstream answers with a broken response', async () => {
    handle = (_path, res) => {
      res.socket?.end('HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n');
    };
    await expect(send('GET').done).rejects.toThrow(/invalid Content-Length/);
  });
});

/**
 * One GET through the built upstream client in a process of its own (the CA it trusts is read
 * from NODE_EXTRA_CA_CERTS when node starts): its status and body, or its error.
 */
const TLS_CLIENT = `
const { builtInOpenAiProvider, createUpstream } = await import(process.argv[1]);
const limits = { connectTimeoutMs: 2000, responseHeaderTimeoutMs: 2000, streamIdleTimeoutMs: 2000, clientBodyIdleMs: 2000, maxConnections: 1, maxQueue: 1 };
const upstream = createUpstream(builtInOpenAiProvider(process.argv[2]), limits);
const outcome = await new Promise((resolve) => {
  let text = '';
  upstream.request('GET', '/v1/models', ['host', 'localhost'], undefined, {
    head: (status) => (text += status + ' '),
    body: (chunk) => ((text += chunk), true),
    end: () => resolve(text),
    error: (error) => resolve('error: ' + error.message),
  });
});
upstream.close();
console.log(outcome);
`;

describe('upstream connections over TLS', () => {
  it('speak TLS to an https upstream, checking its certificate', async () => {
    const temp = makeTempDir();
    const key = join(temp.dir, 'key.pem');
    const cert = join(temp.dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert, '-days', '1'], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => res.end(`secure ${req.method}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://localhost:${(server.address() as AddressInfo).port}`;
    const client = new URL('../../dist/proxy/index.js', import.meta.url).href;
    const run = (env: NodeJS.ProcessEnv) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', TLS_CLIENT, client, url], { env }).then(({ stdout }) => stdout.trim());
    try {
      expect(await run({ ...process.env, NODE_EXTRA_CA_CERTS: cert })).toBe('200 secure GET');
      expect(await run({ ...process.env, NODE_EXTRA_CA_CERTS: undefined })).toMatch(/^error: self[- ]signed certificate/);
    } finally {
      server.close();
      temp.remove();
    }
  });
});
