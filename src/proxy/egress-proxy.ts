import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/**
 * Egress through a forward proxy, as corporate networks require: HTTPS_PROXY / HTTP_PROXY name
 * the proxy, NO_PROXY the hosts reached directly. HTTPS upstreams are reached through a CONNECT
 * tunnel (TLS end to end: the proxy sees only the host name); plain-HTTP upstreams are sent to the
 * proxy in absolute form.
 */
export interface EgressSettings {
  readonly httpsProxy: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: string | undefined;
}

/** True when NO_PROXY says `host:port` is reached directly (`*`, exact names, domain suffixes, optional :port). */
export function bypassesProxy(noProxy: string | undefined, host: string, port: number): boolean {
  if (noProxy === undefined || noProxy.trim() === '') return false;
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return noProxy.split(/[\s,]+/).some((rawEntry) => {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') return false;
    if (entry === '*') return true;
    const colon = entry.lastIndexOf(':');
    const hasPort = colon > 0 && !entry.includes(']') && /^\d+$/.test(entry.slice(colon + 1));
    if (hasPort && Number(entry.slice(colon + 1)) !== port) return false;
    const domain = (hasPort ? entry.slice(0, colon) : entry).replace(/^\*?\.?/, '').replace(/^\[(.*)\]$/, '$1');
    return name === domain || name.endsWith(`.${domain}`);
  });
}

/** The proxy to use for `target`, or undefined to go direct. */
export function proxyFor(settings: EgressSettings, target: URL): URL | undefined {
  const isHttps = target.protocol === 'https:';
  const proxy = isHttps ? settings.httpsProxy : settings.httpProxy;
  if (proxy === undefined || proxy === '') return undefined;
  const port = target.port === '' ? (isHttps ? 443 : 80) : Number(target.port);
  if (bypassesProxy(settings.noProxy, target.hostname, port)) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

/** Proxy-Authorization for a proxy URL with user:password, else undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (proxy.username === '') return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}

type ConnectCallback = (error: Error | null, socket?: Duplex) => void;

/** An HTTPS agent whose connections are CONNECT tunnels through `proxy`; pooling works as usual. */
export class TunnelingAgent extends HttpsAgent {
  constructor(
    private readonly proxy: URL,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ConnectionOptions & { host?: string; port?: number }, callback: ConnectCallback): undefined {
    const host = options.host ?? 'localhost';
    const authority = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 443}`;
    const headers: Record<string, string> = { host: authority };
    const authorization = proxyAuthorization(this.proxy);
    if (authorization !== undefined) headers['proxy-authorization'] = authorization;
    const connect = httpRequest({
      host: this.proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.proxy.port === '' ? 80 : Number(this.proxy.port),
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
    });
    connect.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`the egress proxy ${this.proxy.host} refused the tunnel to ${authority} (HTTP ${response.statusCode})`));
        return;
      }
      callback(null, tlsConnect({ ...options, socket, servername: options.servername ?? host }));
    });
    connect.once('error', (error) => callback(new Error(`the egress proxy ${this.proxy.host} cannot be reached: ${error.message}`, { cause: error })));
    connect.end();
    return undefined;
  }
}
