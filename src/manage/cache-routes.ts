import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CacheStats, HttpCache } from '../cache/index.js';
import { ProxyError } from '../errors.js';
import { noteAudit } from './audit-recording.js';
import { cacheStatsResponse, errorResponse, purgeCacheQuery, purgedCacheResponse, type CacheStatsResponse } from './schemas.js';

const errors = { 400: errorResponse, 401: errorResponse, 409: errorResponse };
const security = [{ bearerAuth: [] }];

/** The cache's counters with the API's snake_case names. */
function presentCacheStats(stats: CacheStats): CacheStatsResponse {
  return {
    backend: stats.backend,
    entries: stats.entries,
    bytes: stats.bytes,
    evictions: stats.evictions,
    hits: stats.hits,
    misses: stats.misses,
    bypasses: stats.bypasses,
    stores: stats.stores,
    coalesced_waits: stats.coalescedWaits,
    backend_errors: stats.backendErrors,
    by_project: stats.byProject,
  };
}

/**
 * `/manage/cache`: purge and count the stored answers. Registered inside manageRoutes, behind its
 * management-token check. With the cache off, both answer 409 cache_disabled (the route exists;
 * the server is configured without what it acts on).
 */
export function cacheRoutes(parent: FastifyInstance, cache: HttpCache | undefined): void {
  const routes = parent.withTypeProvider<ZodTypeProvider>();

  function requireCache(): HttpCache {
    if (cache === undefined) throw new ProxyError('cache_disabled');
    return cache;
  }

  routes.delete(
    '/manage/cache',
    {
      config: { audit: 'cache.purge' },
      schema: {
        tags: ['cache'],
        summary: 'Purge stored answers: all of them, those of a project, or one key',
        description: 'project_id and key together remove the entries matching both. Without either, every entry goes.',
        security,
        querystring: purgeCacheQuery,
        response: { 200: purgedCacheResponse, ...errors },
      },
    },
    async (request) => {
      const { project_id: projectId, key } = request.query;
      noteAudit(request, { projectId: projectId ?? null, metadata: { purge_type: projectId || key ? 'filtered' : 'all', key: key ?? null } });
      const deleted = await requireCache().purge({ projectId, key });
      noteAudit(request, { metadata: { deleted } });
      return { deleted };
    },
  );

  routes.get(
    '/manage/cache/stats',
    { config: { audit: 'cache.stats' }, schema: { tags: ['cache'], summary: 'Entries, bytes and counters of the response cache', security, response: { 200: cacheStatsResponse, ...errors } } },
    async () => presentCacheStats(await requireCache().stats()),
  );
}
