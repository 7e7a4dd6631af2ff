import { writeJson, writeLine, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';

export async function runTokenRevoke(idOrToken: string, options: ManageGlobalOptions, io: Io): Promise<void> {
  const token = await manageClientFor(options).revokeToken(idOrToken);
  if (options.json) return writeJson(io, token);
  writeLine(io.stdout, `Token ${token.token} (${token.id}) revoked: it is refused from the next request on.`);
}
