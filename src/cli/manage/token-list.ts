import { cliCommand } from '../invocation.js';
import { writeJson, writeLine, type Io } from '../io.js';
import { manageClientFor, tableWidth, type ManageGlobalOptions } from './context.js';
import { tokenTable } from './present.js';

export interface TokenListOptions extends ManageGlobalOptions {
  readonly projectId?: string;
  readonly activeOnly?: boolean;
}

export async function runTokenList(options: TokenListOptions, io: Io): Promise<void> {
  const tokens = await manageClientFor(options).listTokens({ projectId: options.projectId, activeOnly: options.activeOnly });
  if (options.json) return writeJson(io, tokens);
  if (tokens.length === 0) {
    writeLine(io.stdout, `No tokens found. Mint one: ${cliCommand()} manage token generate --project-id <project-id>`);
    return;
  }
  io.stdout.write(tokenTable(tokens, tableWidth(io, options)));
}
