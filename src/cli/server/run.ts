import cluster from 'node:cluster';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConfig, defaultProxyUrl, describeDatabaseUrl, readClientSetting, resolveSettings, updateEnvFile, type Config, type LoadConfigOptions } from '../../config/index.js';
import { encryptionKeyId, generateManagementToken } from '../../security/index.js';
import type { LlmProxyApp } from '../../server/index.js';
import { VERSION } from '../../version.js';
import { databasePathProblem } from '../database-path.js';
import { encryptionKeyNotice, generateEncryptionKey } from '../encryption-key.js';
import { cliCommand } from '../invocation.js';
import { UsageError, writeLine, type Io } from '../io.js';
import type { ServerOptions } from './index.js';
import { boundOldSpaceGrowth } from './old-space-growth.js';

const DEFAULT_ENV_FILE = '.env';

function displayUrl(url: string): string {
  return url.replace(/^http:\/\/(\[::\]|0\.0\.0\.0)/, 'http://localhost');
}

export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** What the first start without a configuration generated. */
interface FirstStart {
  readonly token: string;
  /** The .env file it was saved to; undefined when --config is not a regular file (e.g. /dev/null). */
  readonly savedTo: string | undefined;
  readonly hasNewEncryptionKey: boolean;
}

/**
 * Without MANAGEMENT_TOKEN, generates one (and an ENCRYPTION_KEY when none is set, so project
 * keys are encrypted at rest) and saves them to the .env file.
 */
function generateFirstStartSecrets(envFile: string): FirstStart {
  const token = generateManagementToken();
  // `--config /dev/null` means "no .env file": the token then lives for this run only.
  const canSave = !existsSync(envFile) || statSync(envFile).isFile();
  const needsEncryptionKey = canSave && readClientSetting('ENCRYPTION_KEY', { envFilePath: envFile }) === undefined;
  if (canSave) {
    updateEnvFile(envFile, { MANAGEMENT_TOKEN: token, ...(needsEncryptionKey && { ENCRYPTION_KEY: generateEncryptionKey() }) }, 'llm-proxy configuration');
  }
  return { token, savedTo: canSave ? envFile : undefined, hasNewEncryptionKey: needsEncryptionKey };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether two URLs reach the same server on this machine (localhost, 127.0.0.1 and ::1 alike). */
function isSameLocalServer(a: string, b: string): boolean {
  const [left, right] = [new URL(a), new URL(b)];
  const sameHost = left.hostname === right.hostname || (LOOPBACK_HOSTS.has(left.hostname) && LOOPBACK_HOSTS.has(right.hostname));
  return sameHost && left.port === right.port;
}

/** The management commands to run next, as they work from the user's directory against this server. */
function nextStepHints(url: string, envFile: string): string[] {
  const cli = cliCommand();
  // The CLI finds the server through ./.env or the environment; name it when they point elsewhere.
  const urlFlag = isSameLocalServer(defaultProxyUrl(), url) ? '' : ` --manage-api-base-url ${url}`;
  const readsToken = resolve(envFile) === resolve(DEFAULT_ENV_FILE);
  return [
    readsToken
      ? 'It is printed only this once; the llm-proxy CLI reads it from the .env file. Next, in another terminal:'
      : 'It is printed only this once; the llm-proxy CLI reads ./.env or the environment, so export MANAGEMENT_TOKEN first. Next, in another terminal:',
    `  ${cli} manage project create${urlFlag} --name "My Project" --openai-key sk-...`,
    `  ${cli} manage token generate${urlFlag} --project-id <project-id>`,
  ];
}

function printFirstStart(io: Io, firstStart: FirstStart, url: string, envFile: string): void {
  const lines = [
    '',
    firstStart.savedTo === undefined
      ? 'No MANAGEMENT_TOKEN was set, so one was generated for this run only (the --config path is not a regular file):'
      : `No MANAGEMENT_TOKEN was set, so one was generated and saved to ${firstStart.savedTo} (mode 0600):`,
    '',
    `  MANAGEMENT_TOKEN=${firstStart.token}`,
    '',
    ...(firstStart.savedTo === undefined
      ? ['It is printed only this once; set MANAGEMENT_TOKEN to keep one across restarts.']
      : nextStepHints(url, envFile)),
    ...(firstStart.hasNewEncryptionKey && firstStart.savedTo !== undefined ? ['', encryptionKeyNotice(firstStart.savedTo)] : []),
    '',
  ];
  for (const line of lines) writeLine(io.stderr, line);
}

/** `--config` given but missing is a typo, not a first start: say so instead of creating a new file. */
function envFileOf(options: ServerOptions): string {
  if (options.config === undefined) return DEFAULT_ENV_FILE;
  if (!existsSync(options.config)) {
    throw new UsageError(
      `--config ${options.config}: no such file (check the path; \`${cliCommand()} setup --config ${options.config}\` creates one, and without --config ./.env is used)`,
    );
  }
  return options.config;
}

/** The database as the start line names it: the SQLite file, or the engine and host:port/database (never the password). */
function databaseDescription(database: Config['database']): string {
  if (database.driver === 'sqlite' || database.url === undefined) return database.path;
  return `${database.driver === 'postgres' ? 'PostgreSQL' : 'MySQL'} ${describeDatabaseUrl(database.url)}`;
}

/** How project API keys are kept, by key id (never a key): one line of the start banner. */
function keysAtRestLine(secrets: Config['secrets']): string {
  if (secrets.encryptionKey === undefined) return `Project API keys are stored in clear: set ENCRYPTION_KEY, then run \`${cliCommand()} migrate encrypt\` to encrypt them.`;
  const previous = secrets.previousEncryptionKey === undefined ? '' : `; ENCRYPTION_KEY_PREVIOUS (key id ${encryptionKeyId(secrets.previousEncryptionKey)}) still decrypts`;
  return `Project API keys are encrypted with key id ${encryptionKeyId(secrets.encryptionKey)}${previous}.`;
}

/** What every process of the server starts from: the validated configuration, and a first start's generated secrets. */
export interface PreparedServer {
  readonly config: Config;
  readonly envFile: string;
  readonly firstStart: FirstStart | undefined;
  /** LISTEN_ADDR as given, for messages. */
  readonly listenAddress: string;
}

function loadOptions(options: ServerOptions, envFile: string): LoadConfigOptions {
  return {
    envFilePath: envFile,
    flags: {
      LISTEN_ADDR: options.addr,
      DATABASE_PATH: options.db,
      API_CONFIG_PATH: options.apiConfig,
      LOG_LEVEL: options.logLevel,
      FILE_EVENT_LOG: options.fileEventLog,
      LLM_PROXY_WORKERS: options.workers,
    },
  };
}

/** Settings from flags, environment and .env; a first start generates MANAGEMENT_TOKEN (and ENCRYPTION_KEY) here, once. */
export function prepareServer(options: ServerOptions, generateSecrets = true): PreparedServer {
  const envFile = envFileOf(options);
  const load = loadOptions(options, envFile);
  let resolved = resolveSettings(load);
  let firstStart: FirstStart | undefined;
  if (resolved.values.MANAGEMENT_TOKEN === undefined && generateSecrets) {
    firstStart = generateFirstStartSecrets(envFile);
    resolved = resolveSettings({ ...load, flags: { ...load.flags, MANAGEMENT_TOKEN: firstStart.token } });
  }
  const config = buildConfig(resolved);
  const dbProblem = config.database.driver === 'sqlite' ? databasePathProblem(config.database.path) : undefined;
  if (dbProblem !== undefined) throw new UsageError(`cannot create the database: ${dbProblem} (choose another path with --db)`);
  return { config, envFile, firstStart, listenAddress: resolved.values.LISTEN_ADDR ?? ':8080' };
}

/** Listens, with the message a person can act on when the address is taken; resolves with the URL to show. */
export async function listenOrExplain(app: LlmProxyApp, prepared: PreparedServer): Promise<string> {
  try {
    return displayUrl(await app.listen());
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${prepared.listenAddress}: address already in use (choose another with --addr)`);
    throw error;
  }
}

/** The start lines: a first start's secrets, then where the server listens. */
export function announceStart(io: Io, prepared: PreparedServer, url: string, upstream: string, extra = ''): void {
  if (prepared.firstStart) printFirstStart(io, prepared.firstStart, url, prepared.envFile);
  writeLine(io.stderr, `llm-proxy ${VERSION} listening on ${url} (upstream ${upstream}, database ${databaseDescription(prepared.config.database)}${extra})`);
  writeLine(io.stderr, keysAtRestLine(prepared.config.secrets));
  if (io.stderr.isTTY) writeLine(io.stderr, 'Press Ctrl+C to stop');
}

export function announceDraining(io: Io, signal: NodeJS.Signals, config: Config): void {
  // A terminal echoes ^C where the cursor is: start on a line of our own.
  if (io.stderr.isTTY) writeLine(io.stderr);
  writeLine(io.stderr, `${signal}: finishing in-flight requests (at most ${config.shutdown.drainTimeoutMs / 1000}s; send it again to stop now)`);
}

export const CUT_AT_SECOND_SIGNAL = 'stopped at the second signal: requests and streams still in flight were cut off (their clients saw a broken connection)';

/** Drains the app; `onCutRequest` receives the function that cuts what is still in flight (a second signal). Resolves with whether anything was cut. */
export async function drainApp(app: LlmProxyApp, onCutRequest: (cut: () => void) => void): Promise<boolean> {
  let hasCutConnections = false;
  onCutRequest(() => {
    app.server.getConnections((_error, count) => {
      if (count > 0) hasCutConnections = true;
      app.server.closeAllConnections();
    });
  });
  await app.close();
  return hasCutConnections;
}

/** Runs the server until SIGINT/SIGTERM, then drains in-flight requests and returns. */
export async function runServer(options: ServerOptions, io: Io): Promise<void> {
  boundOldSpaceGrowth(process.execArgv);
  if (cluster.isWorker) {
    const { runWorker } = await import('./run-worker.js');
    return runWorker(options);
  }
  const prepared = prepareServer(options);
  if (prepared.config.workers > 1) {
    const { runPrimary } = await import('./run-primary.js');
    return runPrimary(prepared, io);
  }
  const { config } = prepared;
  // Imported here, not at the top: the primary of `--workers N` (which imports this file) never
  // serves, and would otherwise hold the whole server's code (Fastify, the routes) in its heap.
  const { buildApp } = await import('../../server/index.js');
  const app = await buildApp(config);
  // Listen for signals before announcing the address: a supervisor may signal right after.
  const shutdownSignal = waitForShutdownSignal();
  const url = await listenOrExplain(app, prepared);
  announceStart(io, prepared, url, app.provider.baseUrl.origin);

  // logrotate moves the event log and the audit log away, then sends SIGHUP: continue in new files by the same paths.
  const reopenLogFiles = () => {
    app.fileEventLog?.reopen();
    app.audit.reopenFile();
  };
  process.on('SIGHUP', reopenLogFiles);
  const signal = await shutdownSignal;
  process.off('SIGHUP', reopenLogFiles);
  announceDraining(io, signal, config);
  let cutNow = () => {};
  const forceOnSecondSignal = () => {
    if (io.stderr.isTTY) writeLine(io.stderr);
    cutNow();
  };
  process.once('SIGINT', forceOnSecondSignal);
  process.once('SIGTERM', forceOnSecondSignal);
  let hasCutConnections: boolean;
  try {
    hasCutConnections = await drainApp(app, (cut) => (cutNow = cut));
  } finally {
    process.off('SIGINT', forceOnSecondSignal);
    process.off('SIGTERM', forceOnSecondSignal);
  }
  if (hasCutConnections) throw new Error(CUT_AT_SECOND_SIGNAL);
  writeLine(io.stderr, 'llm-proxy stopped');
}
