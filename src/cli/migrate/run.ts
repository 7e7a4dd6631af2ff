import { existsSync } from 'node:fs';
import { loadDatabaseConfig, type DatabaseConfig } from '../../config/index.js';
import { migrateDown, migrateToLatest, migrationStatus, openDatabase, type Database } from '../../store/index.js';
import { databasePathProblem } from '../database-path.js';
import { cliCommand } from '../invocation.js';
import { UsageError, writeLine, type Io } from '../io.js';
import type { MigrateAction, MigrateOptions } from './index.js';

const DEFAULT_ENV_FILE = '.env';

/** --driver, else the scheme of --database-url when only that is given (so one flag is enough). */
function driverFlag(options: MigrateOptions): string | undefined {
  if (options.driver !== undefined) return options.driver;
  if (options.databaseUrl === undefined) return undefined;
  const scheme = /^([a-z]+):/i.exec(options.databaseUrl.trim())?.[1]?.toLowerCase();
  return scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
}

function databaseConfigOf(options: MigrateOptions): DatabaseConfig {
  if (options.config !== undefined && !existsSync(options.config)) throw new UsageError(`--config ${options.config}: no such file (check the path)`);
  return loadDatabaseConfig({
    envFilePath: envFileOf(options),
    flags: { DATABASE_PATH: options.db, DATABASE_URL: options.databaseUrl, DB_DRIVER: driverFlag(options) },
  });
}

/** The .env file the migrate commands read settings from (it never overrides the environment). */
export function envFileOf(options: MigrateOptions): string {
  return options.config ?? DEFAULT_ENV_FILE;
}

/** Refuses a database with pending migrations: the commands that rewrite rows expect the current schema. */
export async function requireCurrentSchema(database: Database): Promise<void> {
  const pending = (await migrationStatus(database)).filter((state) => state.appliedAt === undefined).length;
  if (pending > 0) {
    throw new UsageError(`${database.where}: ${pending} migration${pending === 1 ? ' is' : 's are'} pending: run \`${cliCommand()} migrate up\` (or start the server) first`);
  }
}

/** Opens the database the options point at (without migrating it), runs `work` on it, closes it. */
export async function withMigrateDatabase<T>(options: MigrateOptions, work: (database: Database) => Promise<T>): Promise<T> {
  const config = databaseConfigOf(options);
  if (config.driver === 'sqlite') {
    const problem = databasePathProblem(config.path);
    if (problem !== undefined) throw new UsageError(`cannot open the database: ${problem} (choose another path with --db)`);
  }
  const database = await openDatabase({ ...config, migrate: false });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

/** `llm-proxy migrate up|down|status`: prints what it did on stdout; errors are thrown. */
export async function runMigrate(action: MigrateAction, options: MigrateOptions, io: Io): Promise<void> {
  await withMigrateDatabase(options, (database) => ACTIONS[action](database, io));
}

const ACTIONS: Readonly<Record<MigrateAction, (database: Database, io: Io) => Promise<void>>> = {
  async up(database, io) {
    const applied = await migrateToLatest(database);
    if (applied.length === 0) writeLine(io.stdout, `${database.where}: up to date, no pending migration`);
    else for (const name of applied) writeLine(io.stdout, `${database.where}: applied ${name}`);
  },
  async down(database, io) {
    const reverted = await migrateDown(database);
    if (reverted === undefined) throw new UsageError(`${database.where}: no migration is applied, nothing to revert`);
    writeLine(io.stdout, `${database.where}: reverted ${reverted}`);
  },
  async status(database, io) {
    const states = await migrationStatus(database);
    const width = Math.max(...states.map((state) => state.name.length));
    writeLine(io.stdout, `Database: ${database.where} (${database.dialect})`);
    for (const state of states) {
      writeLine(io.stdout, `  ${state.name.padEnd(width)}  ${state.appliedAt === undefined ? 'pending' : `applied ${state.appliedAt.toISOString()}`}`);
    }
    const pending = states.filter((state) => state.appliedAt === undefined).length;
    writeLine(io.stdout, pending === 0 ? 'Up to date.' : `${pending} pending: run \`${cliCommand()} migrate up\` (or start the server) to apply them.`);
  },
};
