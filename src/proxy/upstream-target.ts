/** Where upstream requests go, resolved once from the provider's base URL. */
export interface UpstreamTarget {
  readonly isHttps: boolean;
  /** Host name or IP, without the brackets of an IPv6 literal. */
  readonly hostname: string;
  readonly port: number;
  /** The base URL's path ('' for the root), put in front of every client path. */
  readonly pathPrefix: string;
  /** Value of the Host header sent upstream. */
  readonly hostHeader: string;
}

export function upstreamTarget(baseUrl: URL): UpstreamTarget {
  const isHttps = baseUrl.protocol === 'https:';
  return {
    isHttps,
    hostname: baseUrl.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: baseUrl.port === '' ? (isHttps ? 443 : 80) : Number(baseUrl.port),
    pathPrefix: baseUrl.pathname === '/' ? '' : baseUrl.pathname,
    hostHeader: baseUrl.host,
  };
}
