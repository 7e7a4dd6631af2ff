import { cliCommand } from '../invocation.js';
import { writeJson, writeLine, type Io } from '../io.js';
import { manageClientFor, tableWidth, type ManageGlobalOptions } from './context.js';
import { projectTable } from './present.js';

export async function runProjectList(options: ManageGlobalOptions, io: Io): Promise<void> {
  const projects = await manageClientFor(options).listProjects();
  if (options.json) return writeJson(io, projects);
  if (projects.length === 0) {
    writeLine(io.stdout, `No projects yet. Create one: ${cliCommand()} manage project create --name "My Project" --openai-key sk-...`);
    return;
  }
  io.stdout.write(projectTable(projects, tableWidth(io, options)));
}
