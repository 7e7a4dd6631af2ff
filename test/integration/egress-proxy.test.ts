import { execFileSync } from 'node:child_process';
import { createServer, request, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import { connect } from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bypassesProxy } from '../../src/proxy/egress-proxy.js';
import { errorCodeOf, rawRequest } from '../support/http.js';
import { listenOnLoopback, type Listening } from '../support/http-server.js';
import { startHarness, UPSTREAM_KEY } from '../support/proxy-harness.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('NO_PROXY', () => {
  it('matches names, domain suffixes, ports and *', () => {
    expect(bypassesProxy('localhost,.internal.example', 'api.internal.example', 443)).toBe(true);
    expect(bypassesProxy('internal.example', 'internal.example', 443)).toBe(true);
    expect(bypassesProxy('*.internal.example', 'a.internal.example', 443)).toBe(true);
    expect(bypassesProxy('internal.example', 'notinternal.example', 443)).toBe(false);
    expect(bypassesProxy('api.openai.com:8443', 'api.openai.com', 443)).toBe(false);
    expect(bypassesProxy('api.openai.com:443', 'api.openai.com', 443)).toBe(true);
    expect(bypassesProxy('*', 'anything', 80)).toBe(true);
    expect(bypassesProxy('', 'anything', 80)).toBe(false);
    expect(bypassesProxy(undefined, 'anything', 80)).toBe(false);
  });
});

/** A forward proxy that records what it is asked: absolute-form requests and CONNECT tunnels. */
async function startForwardProxy(): Promise<Listening & { readonly seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url} proxy-authorization=${req.headers['proxy-authorization'] ?? ''}`);
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const forwarded = request({ host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  });
  server.on('connect', (req: IncomingMessage, socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const tunnel = connect(Number(port), host === 'api.tunnel.example' ? '127.0.0.1' : host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      tunnel.write(head);
      tunnel.pipe(socket).pipe(tunnel);
    });
    tunnel.on('error', () => socket.destroy());
    socket.on('error', () => tunnel.destroy());
  });
  const listening = await listenOnLoopback(server);
  return { ...listening, seen };
}

describe('egress through HTTP_PROXY / HTTPS_PROXY', () => {
  let proxy: Awaited<ReturnType<typeof startForwardProxy>>;
  beforeAll(async () => {
    proxy = await startForwardProxy();
  });
  afterAll(() => proxy.close());

  it('sends plain-HTTP upstream requests to the proxy in absolute form, with its credentials', async () => {
    const proxyUrl = new URL(proxy.url);
    const harness = await startHarness({ HTTP_PROXY: `http://user:secret@${proxyUrl.host}` });
    try {
      const { token } = await harness.issueToken();
      const response = await rawRequest(harness.url, { path: '/v1/models?limit=1', headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const upstream = new URL(harness.mock.url);
      expect(proxy.seen.at(-1)).toBe(`GET http://${upstream.host}/v1/models?limit=1 proxy-authorization=Basic ${Buffer.from('user:secret').toString('base64')}`);
      expect(harness.mock.received.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      expect(harness.mock.received.at(-1)?.headers['proxy-authorization']).toBeUndefined();
    } finally {
      await harness.close();
    }
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = proxy.seen.length;
    const harness = await startHarness({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    try {
      const { token } = await harness.issueToken();
      const response = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      expect(proxy.seen.length).toBe(before);
    } finally {
      await harness.close();
    }
  });

  it('reaches HTTPS upstreams through a CONNECT tunnel (TLS end to end)', async () => {
    // A TLS upstream whose certificate this proxy does not trust: the tunnel is used, and the
    // handshake through it is refused, as it must be.
    const temp = makeTempDir();
    const key = join(temp.dir, 'key.pem');
    const cert = join(temp.dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=api.tunnel.example', '-keyout', key, '-out', cert, '-days', '1'], { stdio: 'ignore' });
    const tlsServer = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (socket) => socket.end());
    const tls = await listenOnLoopback(tlsServer);
    const harness = await startHarness({ OPENAI_API_URL: `https://api.tunnel.example:${tls.port}`, HTTPS_PROXY: proxy.url });
    try {
      const { token } = await harness.issueToken();
      const response = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      expect(proxy.seen.at(-1)).toBe(`CONNECT api.tunnel.example:${tls.port}`);
      expect([response.status, errorCodeOf(response)]).toEqual([502, 'upstream_unreachable']);
    } finally {
      await harness.close();
      await tls.close();
      temp.remove();
    }
  });
});
