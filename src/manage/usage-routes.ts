import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database, UsageDays } from '../store/index.js';
import { errorResponse } from './schemas.js';
import { buildUsageReport } from './usage-report.js';
import { usageQuery, usageResponse } from './usage-schemas.js';

const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse };
const security = [{ bearerAuth: [] }];

export interface UsageRoutesOptions {
  readonly database: Database;
  /** The ledger's write-behind: flushed before a read so that the answer is current. */
  readonly ledger: { flush(): Promise<void> };
  /** The sums by day, settled days kept in memory (store/usage-days.ts). */
  readonly usageDays: UsageDays;
  readonly now: () => Date;
}

/** `/manage/usage`: the usage ledger. Registered inside manageRoutes, behind its management-token check. */
export function usageRoutes(parent: FastifyInstance, options: UsageRoutesOptions): void {
  const routes = parent.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/manage/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Usage by UTC hour or day: requests, errors, cache hits, upstream time, tokens',
        description:
          'From the usage ledger (per project and token, summed by hour, written about 1 s behind the calls; calls refused before ' +
          'their token was known are not in it). Every bucket overlapping [from, to) is returned, empty ones included.',
        security,
        querystring: usageQuery,
        response: { 200: usageResponse, ...errors },
      },
    },
    async (request) => {
      // A database locked by another process must not fail the read: what is not written yet shows on the next one.
      await options.ledger.flush().catch(() => undefined);
      const { project_id: projectId, token_id: tokenId, from, to, granularity } = request.query;
      return buildUsageReport(options.database, options.usageDays, { projectId, tokenId, from, to, granularity }, options.now());
    },
  );
}
