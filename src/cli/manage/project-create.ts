import { UsageError, writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';
import { projectDetails } from './present.js';

export interface ProjectCreateOptions extends ManageGlobalOptions {
  readonly name?: string;
  readonly openaiKey?: string;
  readonly openaiOrganization?: string;
  readonly openaiProject?: string;
}

export async function runProjectCreate(options: ProjectCreateOptions, io: Io): Promise<void> {
  if (!options.name || !options.openaiKey) throw new UsageError('--name and --openai-key are required');
  const project = await manageClientFor(options).createProject({
    name: options.name,
    api_key: options.openaiKey,
    openai_organization: options.openaiOrganization,
    openai_project: options.openaiProject,
  });
  if (options.json) return writeJson(io, project);
  io.stdout.write(projectDetails(project));
}
