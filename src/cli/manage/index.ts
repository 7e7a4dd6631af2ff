import { Option, type Command } from 'commander';
import { hoursParser, nonNegativeInteger } from '../option-parsers.js';
import type { Io } from '../io.js';
import { AUDIT_SINCE_FORMS, auditLimit, auditSince } from './audit-options.js';
import type { ManageGlobalOptions } from './context.js';
import { USAGE_WHEN_FORMS, usageWhen } from './usage-when.js';

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
      .description('Manage projects, withering tokens and the response cache, see usage and read the audit log, through the management API of a running server'),
  ).addHelpText(
    'after',
    `
The management token comes from --management-token, else MANAGEMENT_TOKEN in the environment or ./.env.

Examples:
  $ llm-proxy manage project create --name "My Project" --openai-key sk-...
  $ llm-proxy manage token generate --project-id <project-id> --duration 168 --max-requests 1000
  $ llm-proxy manage token list --active-only --json
  $ llm-proxy manage cache purge --project-id <project-id>
  $ llm-proxy manage usage --since 30d --project-id <project-id>
  $ llm-proxy manage audit list --outcome denied --since 7d`,
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
      .option('--openai-project <id>', 'OpenAI project id sent with the key (OpenAI-Project)')
      .option('--requests-per-minute <n>', 'requests per minute of all its tokens together, across instances; 0 = no limit', nonNegativeInteger),
  ).action(leaf(io, async () => (await import('./project-create.js')).runProjectCreate));
  withManageOptions(
    project
      .command('update')
      .description("Rename a project, replace its API key, change its rate limit, or (de)activate it")
      .argument('<project-id>', 'UUID of the project')
      .option('--name <name>', 'new project name')
      .option('--openai-key <key>', 'new OpenAI API key')
      .option('--openai-organization <id>', 'OpenAI organization id sent with the key ("" clears it)')
      .option('--openai-project <id>', 'OpenAI project id sent with the key ("" clears it)')
      .option('--requests-per-minute <n>', 'requests per minute of all its tokens together; 0 removes the limit', nonNegativeInteger)
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
      .option('--max-requests <n>', 'maximum number of requests, 0 = unlimited', nonNegativeInteger, 0)
      .option('--requests-per-minute <n>', 'requests per minute of this token, across instances; 0 = no limit', nonNegativeInteger),
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
  withManageOptions(
    manage
      .command('usage')
      .description('Requests, errors, cache hits and tokens by day (or hour), as a table and a bar chart, from the usage ledger')
      .option('--project-id <id>', 'only this project (without it, also a table by project)')
      .option('--token-id <id>', "only this token (its id, as in `manage token list`)")
      .addOption(
        new Option('--since <when>', `start: ${USAGE_WHEN_FORMS}; a duration counts back from the end of --until's day (or hour), so 7d is 7 whole days, today the last`)
          .argParser(usageWhen)
          .default(usageWhen('7d'), '7d'),
      )
      .addOption(new Option('--until <when>', 'end, excluded (default: now): the same forms, a duration meaning that long ago').argParser(usageWhen))
      .addOption(new Option('--granularity <unit>', 'UTC buckets of a day or an hour (at most 366 days, or 31 days by hour)').choices(['day', 'hour']).default('day')),
  )
    .addHelpText(
      'after',
      `
The ledger counts every call of a known token (calls refused before their token was known are not
in it), about 1 s behind. Tokens are the provider's own counts; a call cut before the provider
reported them is estimated (the output says how many). Times are UTC. --json prints the API's answer.

Examples:
  $ llm-proxy manage usage
  $ llm-proxy manage usage --since 24h --granularity hour --project-id <project-id>
  $ llm-proxy manage usage --since 2026-11-01 --until 2026-12-01 --json`,
    )
    .action(leaf(io, async () => (await import('./usage.js')).runUsage));
  withManageOptions(cache.command('stats').description('Entries, bytes, hits, misses and stores of the response cache, by project')).action(
    leaf(io, async () => (await import('./cache-stats.js')).runCacheStats),
  );

  const audit = manage.command('audit').description('Read the audit log: who changed what, and refused management access');
  withManageOptions(
    audit
      .command('list')
      .description('List audit records, newest first (changes, failures and refused management tokens)')
      .option('--action <action>', 'only this action: project.create, project.update, project.delete, token.create, token.update, token.revoke, token.revoke_batch, cache.purge, management.auth')
      .option('--project-id <id>', 'only the records of this project')
      .addOption(new Option('--outcome <outcome>', 'only this outcome').choices(['success', 'failure', 'denied', 'error']))
      .addOption(new Option('--since <when>', `start: ${AUDIT_SINCE_FORMS}`).argParser(auditSince).default(auditSince('24h'), '24h'))
      .option('--limit <n>', 'how many records, at most 100', auditLimit, 20)
      .addHelpText(
        'after',
        `
Reads (lists and gets) are recorded only when the server runs with AUDIT_READS=true.

Examples:
  $ llm-proxy manage audit list
  $ llm-proxy manage audit list --outcome denied --since 7d
  $ llm-proxy manage audit list --project-id <project-id> --limit 100 --json`,
      ),
  ).action(leaf(io, async () => (await import('./audit-list.js')).runAuditList));
  withManageOptions(
    audit
      .command('get')
      .description('Show one audit record, every field (the request, user agent, reason and details the list leaves out)')
      .argument('<audit-id>', 'the id of the record (the ID column of `manage audit list`)')
      .addHelpText(
        'after',
        `
Examples:
  $ llm-proxy manage audit get <audit-id>
  $ llm-proxy manage audit get <audit-id> --json`,
      ),
  ).action(leaf(io, async () => (await import('./audit-get.js')).runAuditGet));
}
