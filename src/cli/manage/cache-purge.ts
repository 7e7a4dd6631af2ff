import { writeJson, writeLine, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';

export interface CachePurgeOptions extends ManageGlobalOptions {
  readonly projectId?: string;
  readonly key?: string;
}

/** Which stored answers the filter named, in words. */
function scope(options: CachePurgeOptions): string {
  const parts = [
    ...(options.projectId === undefined ? [] : [`of project ${options.projectId}`]),
    ...(options.key === undefined ? [] : [`with key ${options.key}`]),
  ];
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

export async function runCachePurge(options: CachePurgeOptions, io: Io): Promise<void> {
  const result = await manageClientFor(options).purgeCache({ projectId: options.projectId, key: options.key });
  if (options.json) return writeJson(io, result);
  writeLine(io.stdout, `Purged ${result.deleted} cached answer(s)${scope(options)}.`);
}
