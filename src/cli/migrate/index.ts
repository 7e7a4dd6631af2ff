import type { Command } from 'commander';
import type { Io } from '../io.js';

export interface MigrateOptions {
  readonly db?: string;
  readonly databaseUrl?: string;
  readonly driver?: string;
  /** Undefined: ./.env when it exists. */
  readonly config?: string;
}

export type MigrateAction = 'up' | 'down' | 'status';

const DATABASE_HELP = `
The database is chosen like the server's: flags, then the environment (DB_DRIVER, DATABASE_URL,
DATABASE_PATH), then the .env file, then the default SQLite file data/llm-proxy.db. With
--database-url alone, the driver follows the URL's scheme (postgres://, mysql://). Errors name
host:port/database, never the password. The server applies pending migrations itself when it
starts (one instance at a time, under the engine's lock): this command is for operators who want
to do it, check it or undo it by hand.`;

export function registerMigrateCommand(program: Command, io: Io): void {
  const migrate = program
    .command('migrate')
    .description('Apply, revert or list the database schema migrations (SQLite, PostgreSQL, MySQL)')
    .addHelpText('after', `${DATABASE_HELP}

Examples:
  $ llm-proxy migrate status
  $ llm-proxy migrate up --database-url postgres://llm:secret@db.internal:5432/llm_proxy
  $ DB_DRIVER=mysql DATABASE_URL=mysql://llm:secret@db:3306/llm_proxy llm-proxy migrate down`);

  const withDatabaseOptions = (command: Command): Command =>
    command
      .option('--db <path>', 'SQLite database file (env DATABASE_PATH, default "data/llm-proxy.db")')
      .option('--database-url <url>', 'PostgreSQL or MySQL database: postgres://user:password@host:5432/db or mysql://… (env DATABASE_URL)')
      .option('--driver <name>', 'sqlite, postgres or mysql (env DB_DRIVER; default: from --database-url, else sqlite)')
      .option('--config <path>', '.env file to read settings from; it never overrides the environment (default: ./.env when present)');

  const actions: readonly [MigrateAction, string, string][] = [
    ['up', 'Apply every pending migration', 'Applies them in order, under the engine\'s lock (a server starting meanwhile waits).'],
    ['down', 'Revert the last applied migration', 'Drops what that migration created (tables, columns) and the data in them: back it up first.'],
    ['status', 'List the migrations, applied (with when) or pending', 'Exits 0 whether or not some are pending.'],
  ];
  for (const [action, description, detail] of actions) {
    const command = migrate.command(action).description(description);
    // The Go CLI's `migrate version` is this project's `status`.
    if (action === 'status') command.alias('version');
    withDatabaseOptions(command)
      .addHelpText('after', `\n${detail}\n${DATABASE_HELP}`)
      .action(async (options: MigrateOptions) => {
        const { runMigrate } = await import('./run.js');
        await runMigrate(action, options, io);
      });
  }
}
