import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.js';
import type { Metrics } from '../metrics/index.js';
import { createSecretMatcher } from '../security/index.js';

export interface MetricsRoutesOptions {
  readonly metrics: Metrics;
  /** METRICS_PATH; the text is also served at `<path>/prometheus`, where the Go original serves it. */
  readonly path: string;
  /** METRICS_TOKEN; undefined: the metrics are public. */
  readonly token: string | undefined;
}

/** The credentials of `Authorization: Bearer <credentials>` (any case of Bearer); '' when there are none. */
function bearerCredentials(header: string | undefined): string {
  if (header === undefined) return '';
  const space = header.indexOf(' ');
  return space !== -1 && header.slice(0, space).toLowerCase() === 'bearer' ? header.slice(space + 1).trim() : '';
}

/** `GET METRICS_PATH`: the Prometheus text exposition, behind METRICS_TOKEN when it is set. */
export async function metricsRoutes(app: FastifyInstance, options: MetricsRoutesOptions): Promise<void> {
  const { metrics } = options;
  const isMetricsToken = options.token === undefined ? undefined : createSecretMatcher(options.token);

  async function serve(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    if (isMetricsToken !== undefined && !isMetricsToken(bearerCredentials(request.headers.authorization))) {
      throw new ProxyError('invalid_metrics_token');
    }
    const text = await metrics.render();
    void reply.type(metrics.contentType).header('cache-control', 'no-store');
    return text;
  }

  for (const path of [options.path, `${options.path}/prometheus`]) app.get(path, { schema: { hide: true } }, serve);
}
