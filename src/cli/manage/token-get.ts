import { writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';
import { tokenDetails } from './present.js';

export async function runTokenGet(idOrToken: string, options: ManageGlobalOptions, io: Io): Promise<void> {
  const token = await manageClientFor(options).getToken(idOrToken);
  if (options.json) return writeJson(io, token);
  io.stdout.write(tokenDetails(token));
}
