import { writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';
import { projectDetails } from './present.js';

export async function runProjectGet(projectId: string, options: ManageGlobalOptions, io: Io): Promise<void> {
  const project = await manageClientFor(options).getProject(projectId);
  if (options.json) return writeJson(io, project);
  io.stdout.write(projectDetails(project));
}
