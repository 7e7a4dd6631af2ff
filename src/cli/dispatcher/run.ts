import { readDispatcherSettings, type DispatcherSettings } from '../../config/index.js';
import {
  EventSourceError,
  SinkError,
  SinkUnreachableError,
  createDispatcher,
  createRateMeter,
  createSink,
  type DispatcherNotice,
  type Sink,
  type SinkSpec,
} from '../../dispatcher/index.js';
import { EXIT } from '../exit-codes.js';
import { writeLine, type Io } from '../io.js';
import { createDispatcherMetrics } from '../../metrics/index.js';
import { DispatcherExitError } from './dispatcher-exit-error.js';
import { openEventSource } from './event-source-choice.js';
import type { DispatcherCommandOptions } from './index.js';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint.js';
import { createStatusLine, statusText, summaryText } from './status-line.js';

/** The sink the settings describe (they were checked: each service has what it needs). */
function sinkSpec(settings: DispatcherSettings): SinkSpec {
  const { service, endpoint, secrets } = settings;
  switch (service) {
    case 'file':
      return { service, path: endpoint ?? '' };
    case 'lunary':
    case 'helicone':
      return { service, endpoint, apiKey: secrets.apiKey ?? '' };
    case 'webhook':
      return { service, endpoint: endpoint ?? '', secret: secrets.webhookSecret ?? '' };
  }
}

async function openSink(settings: DispatcherSettings): Promise<Sink> {
  const sink = createSink(sinkSpec(settings));
  try {
    await sink.open();
  } catch (error) {
    if (error instanceof SinkUnreachableError) throw new DispatcherExitError(error.message, EXIT.network, { cause: error });
    throw error;
  }
  return sink;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function noticeText(notice: DispatcherNotice): string {
  switch (notice.kind) {
    case 'retry':
      return `send of ${notice.events} events failed (${notice.reason}); retry ${notice.attempt} in ${seconds(notice.delayMs)}`;
    case 'dead-letter':
      return `${notice.events} events went to the dead letter: ${notice.reason}`;
    case 'source-retry':
      return `${notice.operation} events failed (${notice.reason}); trying again in ${seconds(notice.delayMs)}`;
    case 'source-gave-up':
      return `${notice.operation} ${notice.events} events failed for good (${notice.reason}): they stay pending and are delivered again`;
  }
}

/** Why the dispatcher stopped on its own, as the error main reports (with the reference's exit code). */
function stopError(error: unknown): unknown {
  if (error instanceof SinkError && error.failure === 'refused') return new DispatcherExitError(error.message, EXIT.auth, { cause: error });
  // The server refused the management token on reconnection: reported as at start (exit 3).
  if (error instanceof EventSourceError) return error.cause;
  return error;
}

/**
 * Runs the dispatcher until SIGTERM/SIGINT (a second one stops at once), SIGHUP reopens the
 * sink's file. Prints a start line, a status line on a terminal, and a summary when it stops.
 */
export async function runDispatcher(options: DispatcherCommandOptions, io: Io): Promise<void> {
  const settings = readDispatcherSettings(options);
  const status = createStatusLine(io.stderr);
  const say = (text: string) => status.message(text);
  const sink = await openSink(settings);
  let chosen;
  try {
    chosen = await openEventSource(settings, options, say);
  } catch (error) {
    await sink.close();
    throw error;
  }
  const { source, serverDropped, isFatalSourceError } = chosen;
  const dispatcher = createDispatcher({
    source,
    sink,
    batchSize: settings.batchSize,
    flushIntervalMs: settings.flushIntervalMs,
    bufferSize: settings.bufferSize,
    maxRetries: settings.maxRetries,
    backoff: { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
    drainTimeoutMs: settings.drainTimeoutMs,
    // Redis Streams: XREADGROUP … BLOCK REDIS_STREAM_BLOCK_TIME (a stop ends the read under way).
    readWaitMs: settings.events.backend === 'redis-streams' ? settings.events.redisStreams.blockMs : undefined,
    isFatalSourceError,
    onNotice: (notice) => say(noticeText(notice)),
  });
  let metricsEndpoint: MetricsEndpoint | undefined;
  if (settings.metricsAddress !== undefined) {
    const metrics = createDispatcherMetrics({
      stats: () => dispatcher.stats(),
      bufferCapacity: Math.max(settings.bufferSize, settings.batchSize) + settings.batchSize,
      serverDropped,
      sourceLag: () => source.lag(),
    });
    try {
      metricsEndpoint = await startMetricsEndpoint(settings.metricsAddress, metrics);
    } catch (error) {
      await source.close().catch(() => undefined);
      await sink.close().catch(() => undefined);
      throw error;
    }
  }
  writeLine(
    io.stderr,
    `llm-proxy dispatcher: ${source.description} → ${sink.description} (batches of ${settings.batchSize}, flushed every ${settings.flushIntervalMs / 1000}s)`,
  );
  if (metricsEndpoint !== undefined) writeLine(io.stderr, `llm-proxy dispatcher: metrics at ${metricsEndpoint.url}`);

  let signals = 0;
  const onStopSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      say(`${signal}: shipping what was read (at most ${settings.drainTimeoutMs / 1000}s; send it again to stop now)`);
      dispatcher.stop();
    } else {
      say(`${signal}: stopping now; what was read and not shipped is left undelivered`);
      dispatcher.abort();
    }
  };
  const onHangUp = () => {
    if (sink.reopen === undefined) return;
    sink.reopen().then(
      () => say(`SIGHUP: reopened ${sink.description}`),
      (error: unknown) => say(`SIGHUP: cannot reopen ${sink.description} (${(error as Error).message}); the next batch tries again`),
    );
  };
  process.on('SIGINT', onStopSignal);
  process.on('SIGTERM', onStopSignal);
  process.on('SIGHUP', onHangUp);

  const startedAt = Date.now();
  const meter = createRateMeter();
  let lag: number | undefined;
  const progress = io.stderr.isTTY
    ? setInterval(() => {
        const stats = dispatcher.stats();
        const eventsPerSecond = meter.sample(stats.delivered, Date.now());
        source.lag().then(
          (value) => (lag = value),
          () => (lag = undefined),
        );
        status.show(statusText({ stats, eventsPerSecond, lag, serverDropped: serverDropped?.() }));
      }, 1000)
    : undefined;

  let failure: unknown;
  try {
    await dispatcher.run();
  } catch (error) {
    failure = error;
  } finally {
    clearInterval(progress);
    status.clear();
    process.off('SIGINT', onStopSignal);
    process.off('SIGTERM', onStopSignal);
    process.off('SIGHUP', onHangUp);
    await source.close().catch(() => undefined);
    await sink.close().catch(() => undefined);
    await metricsEndpoint?.close();
  }
  const stats = dispatcher.stats();
  writeLine(io.stderr, summaryText(stats, Date.now() - startedAt, serverDropped?.()));
  if (failure !== undefined) throw stopError(failure);
  if (stats.abandoned > 0) {
    const why = signals > 1 ? 'stopped at the second signal' : `not shipped within --drain-timeout ${settings.drainTimeoutMs / 1000}s`;
    const fate = settings.events.backend === 'redis-streams' ? 'Redis Streams delivers them again to the group' : 'events of the live stream are lost';
    throw new DispatcherExitError(`${stats.abandoned} events read were not delivered (${why}): ${fate}`, EXIT.general);
  }
}
