import { UsageError, writeJson, type Io } from '../io.js';
import { checkOpenAiKey, manageClientFor, type ManageGlobalOptions } from './context.js';
import { projectDetails } from './present.js';

export interface ProjectCreateOptions extends ManageGlobalOptions {
  readonly name?: string;
  readonly openaiKey?: string;
  readonly openaiOrganization?: string;
  readonly openaiProject?: string;
  readonly requestsPerMinute?: number;
}

export async function runProjectCreate(options: ProjectCreateOptions, io: Io): Promise<void> {
  if (!options.name || !options.openaiKey) throw new UsageError('--name and --openai-key are required');
  checkOpenAiKey(options.openaiKey);
  const project = await manageClientFor(options).createProject({
    name: options.name,
    api_key: options.openaiKey,
    openai_organization: options.openaiOrganization,
    openai_project: options.openaiProject,
    requests_per_minute: options.requestsPerMinute,
  });
  if (options.json) return writeJson(io, project);
  io.stdout.write(projectDetails(project));
}
