import cluster, { type Worker } from 'node:cluster';
import { isWorkerMessage, type PrimaryMessage } from './messages.js';
import { createPrimaryServices } from './primary-services.js';
import { createRestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

export interface SupervisorOptions {
  readonly workers: number;
  readonly sessionTtlMs: number;
  /** Added to every worker's environment (a first start's generated MANAGEMENT_TOKEN). */
  readonly env?: Readonly<Record<string, string>>;
  /** Something worth a line on stderr happened (a worker died and is restarted). */
  readonly onNotice?: (message: string) => void;
  readonly restart?: RestartPolicyOptions;
}

export interface SupervisorOutcome {
  /** Some worker had to cut requests still in flight (a second signal). */
  readonly cut: boolean;
  /** Why the primary stopped by itself (workers kept crashing, or one could not start). */
  readonly failure: string | undefined;
}

export interface Supervisor {
  /** The URL, once every worker listens; rejects when a worker exits before (its own error is on stderr). */
  readonly started: Promise<string>;
  /** Every worker has exited for good: after stop(), or after giving up. */
  readonly finished: Promise<SupervisorOutcome>;
  /** Drain every worker (`force`: cut what is still in flight). */
  stop(force: boolean): void;
  /** FILE_EVENT_LOG and AUDIT_LOG_FILE are reopened by every worker (SIGHUP). */
  reopenLogs(): void;
}

/**
 * The primary of `server --workers N`: forks the workers (node:cluster; they share the listening
 * port, the primary hands out connections round-robin), answers their questions about shared state
 * (primary-services.ts), passes each worker's token-cache invalidations to the others, replaces a
 * worker that dies unexpectedly (restart-policy.ts) and stops them all on request.
 */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const services = createPrimaryServices({ sessionTtlMs: options.sessionTtlMs });
  const policy = createRestartPolicy(options.restart);
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  let url: string | undefined;
  let stopping = false;
  let cut = false;
  let failure: string | undefined;
  let live = 0;
  let pendingRestarts = 0;

  let resolveStarted!: (url: string) => void;
  let rejectStarted!: (error: Error) => void;
  const started = new Promise<string>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  started.catch(() => {}); // the caller may only await `finished`
  let resolveFinished!: (outcome: SupervisorOutcome) => void;
  const finished = new Promise<SupervisorOutcome>((resolve) => (resolveFinished = resolve));

  function send(worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message);
  }

  function everyWorker(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
  }

  function fork(): void {
    const worker = cluster.fork({ ...options.env });
    live += 1;
    startedAt.set(worker, Date.now());
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      switch (message.llmProxy) {
        case 'listening':
          listening.add(worker);
          url ??= message.url;
          if (listening.size === options.workers) resolveStarted(url);
          break;
        case 'request': {
          const { id } = message;
          void Promise.resolve(services.answer(message.request)).then((value) => send(worker, { llmProxy: 'answer', id, value }));
          break;
        }
        case 'announce':
          for (const other of everyWorker()) if (other !== worker) send(other, { llmProxy: 'invalidate', invalidation: message.invalidation });
          break;
        case 'cut':
          cut = true;
          break;
      }
    });
    worker.on('exit', (code, signal) => onExit(worker, code, signal));
  }

  function onExit(worker: Worker, code: number | null, signal: string | null): void {
    live -= 1;
    const ranMs = Date.now() - (startedAt.get(worker) ?? Date.now());
    const hadListened = listening.delete(worker);
    startedAt.delete(worker);
    if (!stopping) {
      const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      if (url === undefined && !hadListened) {
        // A worker that cannot start (port taken, database refused): the others would fail alike.
        fail(`a worker ${how} before it listened (its error is above)`);
      } else {
        const decision = policy.afterExit(ranMs);
        if ('giveUp' in decision) fail(decision.giveUp);
        else {
          options.onNotice?.(`worker ${worker.process.pid} ${how}: starting another${decision.restartInMs > 0 ? ` in ${decision.restartInMs} ms` : ''}`);
          pendingRestarts += 1;
          setTimeout(() => {
            pendingRestarts -= 1;
            if (!stopping) fork();
            else finishIfDone();
          }, decision.restartInMs);
        }
      }
    }
    finishIfDone();
  }

  function fail(reason: string): void {
    failure ??= reason;
    rejectStarted(new Error(reason));
    stop(false);
  }

  function finishIfDone(): void {
    if (stopping && live === 0 && pendingRestarts === 0) resolveFinished({ cut, failure });
  }

  function stop(force: boolean): void {
    stopping = true;
    for (const worker of everyWorker()) {
      // One still starting may not listen to the channel yet: a signal stops it as well.
      if (listening.has(worker)) send(worker, { llmProxy: 'stop', force });
      else worker.process.kill('SIGTERM');
    }
    finishIfDone();
  }

  for (let i = 0; i < options.workers; i += 1) fork();

  return {
    started,
    finished,
    stop,
    reopenLogs() {
      for (const worker of everyWorker()) send(worker, { llmProxy: 'reopen-log' });
    },
  };
}
