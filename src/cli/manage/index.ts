import { Option, type Command } from 'commander';
import { hoursParser, nonNegativeInteger } from '../option-parsers.js';
import type { Io } from '../io.js';
import type { ManageGlobalOptions } from './context.js';

/** The flags that say which server to talk to and with what token (manage, dispatcher). */
export function withManageConnectionOptions(command: Command): Command {
  return command
    .option('--manage-api-base-url <url>', 'management API base URL (env MANAGEMENT_API_BASE_URL, default: LISTEN_ADDR of ./.env as http://…, else http://localhost:8080)')
    .option('--management-token <token>', 'management token (default: MANAGEMENT_TOKEN from the environment or ./.env)');
}

/** The flags every manage command accepts, before or after the subcommand. */
function withManageOptions(command: Command): Command {
  return withManageConnectionOptions(command)
    .option('--json', 'print the API response as JSON')
    .option('--wide', 'tables with every column, nothing cut (default: fit the terminal)');
}

/** A command implementation: its positional arguments, then the merged options, then io. */
type Run = (...args: never[]) => Promise<void>;

/** Wraps a leaf action: lazy-loads its module and passes every option (local and inherited) merged. */
function leaf(io: Io, load: () => Promise<Run>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const positional = args.slice(0, -2);
    const run = (await load()) as (...values: unknown[]) => Promise<void>;
    await run(...positional, command.optsWithGlobals(), io);
  };
}

export function registerManageCommand(program: Command, io: Io): void {
  const manage = withManageOptions(
    program
      .command('manage')
      .description('Manage projects, withering tokens and the response cache through the management API of a running server'),
  ).addHelpText(
    'after',
    `
The management token comes from --management-token, else MANAGEMENT_TOKEN in the environment or ./.env.

Examples:
  $ llm-proxy manage project create --name "My Project" --openai-key sk-...
  $ llm-proxy manage token generate --project-id <project-id> --duration 168 --max-requests 1000
  $ llm-proxy manage token list --active-only --json
  $ llm-proxy manage cache purge --project-id <project-id>`,
  );

  const project = manage.command('project').description('List, inspect, create, update and delete projects');
  withManageOptions(project.command('list').description('List all projects')).action(
    leaf(io, async () => (await import('./project-list.js')).runProjectList),
  );
  withManageOptions(project.command('get').description('Show one project').argument('<project-id>', 'UUID of the project')).action(
    leaf(io, async () => (await import('./project-get.js')).runProjectGet),
  );
  withManageOptions(
    project
      .command('create')
      .description('Create a project holding an upstream (OpenAI) API key')
      .option('--name <name>', 'project name (required)')
      .option('--openai-key <key>', 'the OpenAI API key requests of this project are sent with (required)')
      .option('--openai-organization <id>', 'OpenAI organization id sent with the key (OpenAI-Organization)')
      .option('--openai-project <id>', 'OpenAI project id sent with the key (OpenAI-Project)'),
  ).action(leaf(io, async () => (await import('./project-create.js')).runProjectCreate));
  withManageOptions(
    project
      .command('update')
      .description("Rename a project, replace its API key, or (de)activate it")
      .argument('<project-id>', 'UUID of the project')
      .option('--name <name>', 'new project name')
      .option('--openai-key <key>', 'new OpenAI API key')
      .option('--openai-organization <id>', 'OpenAI organization id sent with the key ("" clears it)')
      .option('--openai-project <id>', 'OpenAI project id sent with the key ("" clears it)')
      .addOption(new Option('--activate', 'reactivate the project: its tokens work again').conflicts('deactivate'))
      .option('--deactivate', 'deactivate the project: its tokens are refused (403)')
      .option('--revoke-tokens', 'with --deactivate: also revoke every token of the project'),
  ).action(async (projectId: string, _options: unknown, command: Command) => {
    const { runProjectUpdate } = await import('./project-update.js');
    const options = command.optsWithGlobals<ManageGlobalOptions & { activate?: boolean; deactivate?: boolean }>();
    const active = options.activate ? true : options.deactivate ? false : undefined;
    await runProjectUpdate(projectId, { ...options, active }, io);
  });
  withManageOptions(
    project.command('delete').description('Delete a project and all its tokens').argument('<project-id>', 'UUID of the project'),
  ).action(leaf(io, async () => (await import('./project-delete.js')).runProjectDelete));

  const token = manage.command('token').description('List, inspect, generate and revoke withering tokens');
  withManageOptions(
    token
      .command('list')
      .description('List tokens (their hints, never the tokens themselves)')
      .option('--project-id <id>', 'only the tokens of this project')
      .option('--active-only', 'only tokens that are active and not expired'),
  ).action(leaf(io, async () => (await import('./token-list.js')).runTokenList));
  withManageOptions(
    token.command('get').description('Show one token').argument('<token-id>', "the token's id, or the token itself (sk-…)"),
  ).action(leaf(io, async () => (await import('./token-get.js')).runTokenGet));
  withManageOptions(
    token
      .command('generate')
      .description('Mint a withering token for a project (printed once)')
      .option('--project-id <id>', 'project to create the token for (required)')
      .option('--duration <hours>', 'lifetime in hours, at most 8760 (one year)', hoursParser, 24)
      .option('--max-requests <n>', 'maximum number of requests, 0 = unlimited', nonNegativeInteger, 0),
  ).action(leaf(io, async () => (await import('./token-generate.js')).runTokenGenerate));
  withManageOptions(
    token.command('revoke').description('Revoke a token: refused from the next request on').argument('<token-id>', "the token's id, or the token itself"),
  ).action(leaf(io, async () => (await import('./token-revoke.js')).runTokenRevoke));

  const cache = manage.command('cache').description('Purge and count the answers of the response cache (HTTP_CACHE_ENABLED)');
  withManageOptions(
    cache
      .command('purge')
      .description('Remove stored answers: all of them, or those matching every filter given')
      .option('--project-id <id>', 'only the answers stored for this project')
      .option('--key <key>', 'only the entry of this X-PROXY-CACHE-KEY value'),
  ).action(leaf(io, async () => (await import('./cache-purge.js')).runCachePurge));
  withManageOptions(cache.command('stats').description('Entries, bytes, hits, misses and stores of the response cache, by project')).action(
    leaf(io, async () => (await import('./cache-stats.js')).runCacheStats),
  );
}
