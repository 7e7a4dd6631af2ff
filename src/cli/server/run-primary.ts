import cluster from 'node:cluster';
import { startSupervisor } from '../../cluster/index.js';
import { loadProvider } from '../../proxy/index.js';
import { openDatabase } from '../../store/index.js';
import { writeLine, type Io } from '../io.js';
import { announceDraining, announceStart, CUT_AT_SECOND_SIGNAL, waitForShutdownSignal, type PreparedServer } from './run.js';
import { workerExecArgv } from './young-generation.js';

/**
 * The primary of `server --workers N`: migrates once (and the first start's secrets were made
 * once, in prepareServer), then supervises the workers until a signal, which it passes on:
 * the first drains them, a second cuts what is still in flight.
 */
export async function runPrimary(prepared: PreparedServer, io: Io): Promise<void> {
  const { config } = prepared;
  // A broken api_providers.yaml fails here, not once per worker.
  const upstream = loadProvider(config.upstream).baseUrl.origin;
  // Migrations here, before any worker opens the database: an unreachable database fails the start at once.
  await (await openDatabase(config.database)).close();
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const supervisor = startSupervisor({
    workers: config.workers,
    sessionTtlMs: config.adminUi.sessionTtlMs,
    env: prepared.firstStart === undefined ? {} : { MANAGEMENT_TOKEN: prepared.firstStart.token },
    onNotice: (message) => writeLine(io.stderr, `llm-proxy: ${message}`),
  });
  const shutdownSignal = waitForShutdownSignal();
  const failed = async (): Promise<never> => {
    const outcome = await supervisor.finished;
    throw new Error(outcome.failure ?? 'the workers stopped');
  };
  let url: string;
  try {
    url = await supervisor.started;
  } catch {
    return failed();
  }
  announceStart(io, prepared, url, upstream, `, ${config.workers} workers`);

  const reopenEventLogs = () => supervisor.reopenLogs();
  process.on('SIGHUP', reopenEventLogs);
  const signal = await Promise.race([shutdownSignal, supervisor.finished.then(() => undefined)]);
  process.off('SIGHUP', reopenEventLogs);
  if (signal === undefined) return failed();
  announceDraining(io, signal, config);
  supervisor.stop(false);
  const forceOnSecondSignal = () => {
    if (io.stderr.isTTY) writeLine(io.stderr);
    supervisor.stop(true);
  };
  process.once('SIGINT', forceOnSecondSignal);
  process.once('SIGTERM', forceOnSecondSignal);
  try {
    const outcome = await supervisor.finished;
    if (outcome.cut) throw new Error(CUT_AT_SECOND_SIGNAL);
  } finally {
    process.off('SIGINT', forceOnSecondSignal);
    process.off('SIGTERM', forceOnSecondSignal);
  }
  writeLine(io.stderr, 'llm-proxy stopped');
}
