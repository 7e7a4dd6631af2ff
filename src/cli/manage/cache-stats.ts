import type { CacheStatsResponse, ProjectResponse } from '../../manage-client/index.js';
import { formatDetails, formatTable } from '../format.js';
import { writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';

/** `900 B`, `12.3 KiB`, `45.6 MiB`. */
function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function cacheSummary(stats: CacheStatsResponse): string {
  return formatDetails([
    ['Backend', stats.backend],
    ['Entries', String(stats.entries)],
    ['Size', byteSize(stats.bytes)],
    ['Hits', String(stats.hits)],
    ['Misses', String(stats.misses)],
    ['Bypasses', String(stats.bypasses)],
    ['Stores', String(stats.stores)],
    ['Evictions', String(stats.evictions)],
    ['Coalesced waits', String(stats.coalesced_waits)],
    ['Backend errors', String(stats.backend_errors)],
  ]);
}

/** Hits, misses and stores by project, most hits first; a project deleted since shows as `-`. */
function projectTable(stats: CacheStatsResponse, projects: readonly ProjectResponse[]): string {
  const names = new Map(projects.map((project) => [project.id, project.name]));
  const rows = Object.entries(stats.by_project)
    .sort(([, a], [, b]) => b.hits - a.hits)
    .map(([projectId, counts]) => [projectId, names.get(projectId) ?? '-', String(counts.hits), String(counts.misses), String(counts.stores)]);
  return formatTable(['PROJECT', 'NAME', 'HITS', 'MISSES', 'STORES'], rows, [2, 3, 4]);
}

export async function runCacheStats(options: ManageGlobalOptions, io: Io): Promise<void> {
  const client = manageClientFor(options);
  const stats = await client.cacheStats();
  if (options.json) return writeJson(io, stats);
  io.stdout.write(cacheSummary(stats));
  if (Object.keys(stats.by_project).length > 0) io.stdout.write(`\n${projectTable(stats, await client.listProjects())}`);
}
