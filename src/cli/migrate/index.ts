import type { Command } from 'commander';
import type { Io } from '../io.js';
import type { NewKeyOptions } from './new-key.js';

export interface MigrateOptions {
  readonly db?: string;
  readonly databaseUrl?: string;
  readonly driver?: string;
  /** Undefined: ./.env when it exists. */
  readonly config?: string;
}

export type MigrateAction = 'up' | 'down' | 'status';

export type RotateKeyOptions = MigrateOptions & NewKeyOptions;

const ENCRYPT_HELP = `
Reads ENCRYPTION_KEY like the server (environment, then the .env file) and refuses to run without
it. Every project API key stored in clear is encrypted (AES-256-GCM, tagged with the key's id), in
one transaction; keys already encrypted are left as they are, so running it twice is harmless.
Prints how many were encrypted and how many already were, and the key id (never a key).
No need to stop the server: it reads both forms, provided it has the same ENCRYPTION_KEY.
The database must be migrated (\`migrate up\`, or a server start) first.

Example:
  $ llm-proxy migrate encrypt --db data/llm-proxy.db`;

const ENCRYPT_STATUS_HELP = `
Reads only. Counts project API keys encrypted, by key id (and enc:v1 values of the Go original,
which name no key), in clear and empty, and names the setting (ENCRYPTION_KEY or
ENCRYPTION_KEY_PREVIOUS, read like the server's) that holds each key id; a key id that neither
holds cannot be decrypted here. After a rotation, it says when ENCRYPTION_KEY_PREVIOUS is no
longer needed. Exits 0 whatever it finds.`;

const ROTATE_HELP = `
Opens every project API key with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS (read like the server's)
and encrypts it under the new key, in ONE transaction; keys stored in clear are encrypted too.
If any key cannot be opened, nothing is changed and the error names the project id.
The database must be migrated (\`migrate up\`, or a server start) first.

Give the new key one way: --new-key <key> (visible in shell history and ps), --new-key - (read
from stdin) or --new-key-env <VARIABLE>.

Order that keeps every instance serving (the README's "Secrets at rest"):
  1. Deploy every instance with ENCRYPTION_KEY=<new key> and ENCRYPTION_KEY_PREVIOUS=<old key>:
     they encrypt with the new key and read both.
  2. Run \`llm-proxy migrate rotate-key --new-key-env ENCRYPTION_KEY\` with those same settings.
  3. Once every row is rotated and every instance restarted, remove ENCRYPTION_KEY_PREVIOUS.
Servers cache decrypted keys for a few seconds; a rotation changes no plaintext, so nothing is stale.

Examples:
  $ llm-proxy migrate rotate-key --new-key-env ENCRYPTION_KEY
  $ openssl rand -base64 32 > new.key && llm-proxy migrate rotate-key --new-key - < new.key`;

const DATABASE_CHOICE_HELP = `
The database is chosen like the server's: flags, then the environment (DB_DRIVER, DATABASE_URL,
DATABASE_PATH), then the .env file, then the default SQLite file data/llm-proxy.db. With
--database-url alone, the driver follows the URL's scheme (postgres://, mysql://). Errors name
host:port/database, never the password.`;

const DATABASE_HELP = `${DATABASE_CHOICE_HELP} The server applies pending migrations itself when it
starts (one instance at a time, under the engine's lock): this command is for operators who want
to do it, check it or undo it by hand.`;

export function registerMigrateCommand(program: Command, io: Io): void {
  const migrate = program
    .command('migrate')
    .description('Apply, revert or list the schema migrations; encrypt or re-key the stored API keys (SQLite, PostgreSQL, MySQL)')
    .addHelpText('after', `${DATABASE_HELP}

Examples:
  $ llm-proxy migrate status
  $ llm-proxy migrate up --database-url postgres://llm:secret@db.internal:5432/llm_proxy
  $ DB_DRIVER=mysql DATABASE_URL=mysql://llm:secret@db:3306/llm_proxy llm-proxy migrate down
  $ llm-proxy migrate encrypt
  $ llm-proxy migrate encrypt-status
  $ llm-proxy migrate rotate-key --new-key-env ENCRYPTION_KEY`);

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

  withDatabaseOptions(migrate.command('encrypt').description('Encrypt the project API keys stored in clear with ENCRYPTION_KEY'))
    .addHelpText('after', `${ENCRYPT_HELP}\n${DATABASE_CHOICE_HELP}`)
    .action(async (options: MigrateOptions) => {
      const { runMigrateEncrypt } = await import('./encrypt.js');
      await runMigrateEncrypt(options, io);
    });

  withDatabaseOptions(migrate.command('encrypt-status').description('Count the stored project API keys: encrypted (by key id) or in clear'))
    .addHelpText('after', `${ENCRYPT_STATUS_HELP}\n${DATABASE_CHOICE_HELP}`)
    .action(async (options: MigrateOptions) => {
      const { runMigrateEncryptStatus } = await import('./encrypt-status.js');
      await runMigrateEncryptStatus(options, io);
    });

  withDatabaseOptions(migrate.command('rotate-key').description('Re-encrypt every project API key under a new encryption key, in one transaction'))
    .option('--new-key <key>', 'the new key, standard base64 of 32 bytes (`openssl rand -base64 32`); "-" reads it from stdin (hidden on a terminal), keeping it out of shell history')
    .option('--new-key-env <variable>', 'read the new key from this environment variable (or the .env file), e.g. ENCRYPTION_KEY once it holds the new key')
    .addHelpText('after', `${ROTATE_HELP}\n${DATABASE_CHOICE_HELP}`)
    .action(async (options: RotateKeyOptions) => {
      const { runMigrateRotateKey } = await import('./rotate-key.js');
      await runMigrateRotateKey(options, io);
    });
}
