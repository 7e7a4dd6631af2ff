import type { Command } from 'commander';
import type { Io } from '../io.js';
import { hoursParser } from '../option-parsers.js';

export interface SetupOptions {
  readonly config: string;
  readonly interactive?: boolean;
  readonly openaiKey?: string;
  readonly managementToken?: string;
  readonly project: string;
  readonly duration: number;
  readonly skipProject?: boolean;
  readonly db: string;
  /** Undefined: keep the LISTEN_ADDR of the .env file, else `:8080`. */
  readonly addr?: string;
  /** False with --no-encryption-key. */
  readonly encryptionKey: boolean;
}

export function registerSetupCommand(program: Command, io: Io): void {
  program
    .command('setup')
    .description('Write the .env configuration and create a first project and token')
    .option('--config <path>', '.env file to write (mode 0600)', '.env')
    .option('--interactive', 'ask for every value')
    .option('--openai-key <key>', 'OpenAI API key of the first project (default: OPENAI_API_KEY)')
    .option('--management-token <token>', 'management token for the proxy (default: MANAGEMENT_TOKEN, else generated)')
    .option('--project <name>', 'name of the project to create', 'DefaultProject')
    .option('--duration <hours>', 'lifetime of the first token, in hours (at most 8760)', hoursParser, 24)
    .option('--skip-project', 'only write the configuration: no project, no token')
    .option('--db <path>', 'SQLite database file', 'data/llm-proxy.db')
    .option('--addr <address>', 'address the server will listen on, e.g. localhost:8080 (this machine only) (default: keep the one in the .env file, else ":8080", all interfaces)')
    .option('--no-encryption-key', 'do not generate an ENCRYPTION_KEY: project API keys are then stored in clear')
    .addHelpText(
      'after',
      `
Writes OPENAI_API_KEY, MANAGEMENT_TOKEN, DATABASE_PATH, LISTEN_ADDR, LOG_LEVEL and (when none is
set) a new ENCRYPTION_KEY to the .env file (other lines are kept), then creates the project and a withering token directly in the database and
prints the token once. No running server is needed.

Examples:
  $ llm-proxy setup --interactive
  $ llm-proxy setup --openai-key sk-... --project "My Project" --duration 168
  $ llm-proxy setup --openai-key sk-... --management-token your-token --skip-project`,
    )
    .action(async (options: SetupOptions) => {
      const { runSetup } = await import('./run.js');
      await runSetup(options, io);
    });
}
