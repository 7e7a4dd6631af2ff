import { createIpcCoordinator, createIpcSessionStore, createWorkerLink } from '../../cluster/index.js';
import { buildApp } from '../../server/index.js';
import type { ServerOptions } from './index.js';
import { drainApp, listenOrExplain, prepareServer } from './run.js';

/**
 * One worker of `server --workers N`: the same server as a single process, with the primary as
 * its coordinator and its admin sessions' keeper (unless Redis is). It prints nothing but its
 * errors (the primary speaks for all), ignores SIGINT (a terminal's Ctrl+C reaches the whole
 * process group; the primary passes it on) and stops when the primary says so or goes away.
 */
export async function runWorker(options: ServerOptions): Promise<void> {
  process.on('SIGINT', () => {});
  const link = createWorkerLink();
  let requestStop: (force: boolean) => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = () => resolve();
  });
  link.onMessage((message) => {
    if (message.llmProxy === 'stop') requestStop(message.force);
  });
  process.on('disconnect', () => requestStop(false));
  process.once('SIGTERM', () => requestStop(false));

  try {
    // The primary generated the first start's secrets and passed them in the environment.
    const prepared = prepareServer(options, false);
    const { config } = prepared;
    const app = await buildApp(config, {
      coordinator: config.coordination.backend === 'none' ? createIpcCoordinator(link) : undefined,
      // With Redis, a worker reads sessions there like any instance: the primary keeps only what is not shared.
      sessions: config.coordination.backend === 'none' ? createIpcSessionStore(link) : undefined,
    });
    link.onMessage((message) => {
      if (message.llmProxy === 'reopen-log') {
        app.fileEventLog?.reopen();
        app.audit.reopenFile();
      }
    });
    link.tell({ llmProxy: 'listening', url: await listenOrExplain(app, prepared) });
    await stopRequested;
    const hasCut = await drainApp(app, (cut) => {
      requestStop = (force) => force && cut();
    });
    if (hasCut) link.tell({ llmProxy: 'cut' });
  } finally {
    link.close();
  }
}
