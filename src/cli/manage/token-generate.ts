import { UsageError, writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';
import { createdTokenDetails } from './present.js';

export interface TokenGenerateOptions extends ManageGlobalOptions {
  readonly projectId?: string;
  readonly duration: number;
  readonly maxRequests: number;
  readonly requestsPerMinute?: number;
}

export async function runTokenGenerate(options: TokenGenerateOptions, io: Io): Promise<void> {
  if (!options.projectId) throw new UsageError('--project-id is required');
  const created = await manageClientFor(options).createToken({
    project_id: options.projectId,
    duration_hours: options.duration,
    max_requests: options.maxRequests,
    requests_per_minute: options.requestsPerMinute,
  });
  if (options.json) return writeJson(io, created);
  io.stdout.write(createdTokenDetails(created));
}
