import { writeJson, writeLine, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';

export async function runProjectDelete(projectId: string, options: ManageGlobalOptions, io: Io): Promise<void> {
  const result = await manageClientFor(options).deleteProject(projectId);
  if (options.json) return writeJson(io, result);
  writeLine(io.stdout, `Project ${result.id} deleted, with its ${result.tokens_deleted} token(s).`);
}
