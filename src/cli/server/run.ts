import { existsSync, statSync } from 'node:fs';
import { buildConfig, resolveSettings, updateEnvFile, type LoadConfigOptions } from '../../config/index.js';
import { generateManagementToken } from '../../security/index.js';
import { buildApp } from '../../server/index.js';
import { VERSION } from '../../version.js';
import { writeLine, type Io } from '../io.js';
import type { ServerOptions } from './index.js';

function displayUrl(url: string): string {
  return url.replace(/^http:\/\/(\[::\]|0\.0\.0\.0)/, 'http://localhost');
}

function waitForShutdownSignal(): Promise<NodeJS.Signals> {
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

function printGeneratedToken(io: Io, savedTo: string | undefined, token: string): void {
  const lines = [
    '',
    savedTo === undefined
      ? 'No MANAGEMENT_TOKEN was set, so one was generated for this run only (the --config path is not a regular file):'
      : `No MANAGEMENT_TOKEN was set, so one was generated and saved to ${savedTo} (mode 0600):`,
    '',
    `  MANAGEMENT_TOKEN=${token}`,
    '',
    savedTo === undefined
      ? 'It is printed only this once; set MANAGEMENT_TOKEN to keep one across restarts. Next, in another terminal:'
      : 'It is printed only this once; the llm-proxy CLI reads it from the .env file. Next, in another terminal:',
    '  llm-proxy manage project create --name "My Project" --openai-key sk-...',
    '  llm-proxy manage token generate --project-id <project-id>',
    '',
  ];
  for (const line of lines) writeLine(io.stderr, line);
}

/** Runs the server until SIGINT/SIGTERM, then drains in-flight requests and returns. */
export async function runServer(options: ServerOptions, io: Io): Promise<void> {
  const load: LoadConfigOptions = {
    envFilePath: options.config,
    flags: { LISTEN_ADDR: options.addr, DATABASE_PATH: options.db, API_CONFIG_PATH: options.apiConfig, LOG_LEVEL: options.logLevel },
  };
  let resolved = resolveSettings(load);
  if (resolved.values.MANAGEMENT_TOKEN === undefined) {
    const token = generateManagementToken();
    // `--config /dev/null` means "no .env file": the token then lives for this run only.
    const canSave = !existsSync(options.config) || statSync(options.config).isFile();
    if (canSave) updateEnvFile(options.config, { MANAGEMENT_TOKEN: token }, 'llm-proxy configuration');
    printGeneratedToken(io, canSave ? options.config : undefined, token);
    resolved = resolveSettings({ ...load, flags: { ...load.flags, MANAGEMENT_TOKEN: token } });
  }
  const config = buildConfig(resolved);
  const app = await buildApp(config);
  // Listen for signals before announcing the address: a supervisor may signal right after.
  const shutdownSignal = waitForShutdownSignal();
  let url: string;
  try {
    url = displayUrl(await app.listen());
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${resolved.values.LISTEN_ADDR ?? ':8080'}: address already in use (choose another with --addr)`);
    throw error;
  }
  writeLine(io.stderr, `llm-proxy ${VERSION} listening on ${url} (upstream ${app.provider.baseUrl.origin}, database ${config.database.path})`);
  if (io.stderr.isTTY) writeLine(io.stderr, 'Press Ctrl+C to stop');

  const signal = await shutdownSignal;
  writeLine(io.stderr, `${signal}: finishing in-flight requests (at most ${config.shutdown.drainTimeoutMs / 1000}s; send it again to stop now)`);
  const forceOnSecondSignal = () => app.server.closeAllConnections();
  process.once('SIGINT', forceOnSecondSignal);
  process.once('SIGTERM', forceOnSecondSignal);
  try {
    await app.close();
  } finally {
    process.off('SIGINT', forceOnSecondSignal);
    process.off('SIGTERM', forceOnSecondSignal);
  }
  writeLine(io.stderr, 'llm-proxy stopped');
}
