import { UsageError, writeJson, type Io } from '../io.js';
import { checkOpenAiKey, manageClientFor, type ManageGlobalOptions } from './context.js';
import { projectDetails } from './present.js';

export interface ProjectUpdateOptions extends ManageGlobalOptions {
  readonly name?: string;
  readonly openaiKey?: string;
  readonly openaiOrganization?: string;
  readonly openaiProject?: string;
  readonly requestsPerMinute?: number;
  readonly active?: boolean;
  readonly revokeTokens?: boolean;
}

export async function runProjectUpdate(projectId: string, options: ProjectUpdateOptions, io: Io): Promise<void> {
  if (options.revokeTokens && options.active !== false) {
    throw new UsageError('--revoke-tokens goes with --deactivate: add --deactivate to deactivate the project and revoke its tokens');
  }
  const changes = [options.name, options.openaiKey, options.openaiOrganization, options.openaiProject, options.requestsPerMinute, options.active];
  if (changes.every((change) => change === undefined)) {
    throw new UsageError(
      'at least one of --name, --openai-key, --openai-organization, --openai-project, --requests-per-minute, --activate or --deactivate must be set',
    );
  }
  if (options.name !== undefined && options.name.trim() === '') throw new UsageError('--name must not be empty');
  if (options.openaiKey !== undefined) checkOpenAiKey(options.openaiKey);
  const project = await manageClientFor(options).updateProject(projectId, {
    name: options.name,
    api_key: options.openaiKey,
    openai_organization: options.openaiOrganization,
    openai_project: options.openaiProject,
    requests_per_minute: options.requestsPerMinute,
    is_active: options.active,
    revoke_tokens: options.revokeTokens,
  });
  if (options.json) return writeJson(io, project);
  io.stdout.write(projectDetails(project));
}
