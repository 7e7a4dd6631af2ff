import type { Command } from 'commander';
import type { DispatcherFlags } from '../../config/index.js';
import type { Io } from '../io.js';
import { withManageConnectionOptions } from '../manage/index.js';

/** Flags of `llm-proxy dispatcher`: the dispatcher's own (as text; checked by src/config) and the server's. */
export interface DispatcherCommandOptions extends DispatcherFlags {
  readonly manageApiBaseUrl?: string;
  readonly managementToken?: string;
}

export function registerDispatcherCommand(program: Command, io: Io): void {
  const command = program
    .command('dispatcher')
    .description('Ship proxy events to a file, Lunary, Helicone or a webhook, in batches, with retries')
    .option('--service <name>', 'where events go: file, lunary, helicone or webhook (env DISPATCHER_SERVICE, default file)')
    .option(
      '--endpoint <path|url>',
      'file: the file to append to; webhook: the URL to POST to; lunary/helicone: their ingestion URL (default: the service\'s own) (env DISPATCHER_ENDPOINT)',
    )
    .option(
      '--buffer <n>',
      'events read ahead of the sink, at most (read while a batch is sent); at least --batch-size (env DISPATCHER_BUFFER, default 100)',
    )
    .option('--batch-size <n>', 'events per send, at most (env DISPATCHER_BATCH_SIZE, default 100)')
    .option('--flush-interval <time>', 'send a batch that is not full after this long (env DISPATCHER_FLUSH_INTERVAL, default 5s)')
    .option('--api-key <key>', 'Lunary or Helicone API key (env LLM_PROXY_API_KEY)')
    .option('--webhook-secret <secret>', 'webhook: the HMAC key batches are signed with (env DISPATCHER_WEBHOOK_SECRET)')
    .option('--max-retries <n>', 'sends after a failed one before the events go to the dead letter (env DISPATCHER_MAX_RETRIES, default 3)')
    .option('--retry-base <time>', 'longest wait before the first retry; doubles for each next one (env DISPATCHER_RETRY_BASE, default 1s)')
    .option('--retry-max <time>', 'longest wait between retries (env DISPATCHER_RETRY_MAX, default 30s)')
    .option('--drain-timeout <time>', 'on SIGTERM/SIGINT, how long to keep shipping what was read (env DISPATCHER_DRAIN_TIMEOUT, default 30s)')
    .option(
      '--dead-letter-file <path>',
      'live mode: append events refused for good to this JSON lines file (env DISPATCHER_DEAD_LETTER_FILE; default: dropped and counted)',
    )
    .option(
      '--metrics-addr <host:port>',
      'serve Prometheus metrics at GET http://<host:port>/metrics (env DISPATCHER_METRICS_ADDR; default: no endpoint)',
    );
  withManageConnectionOptions(command)
    .addHelpText(
      'after',
      `
Where events come from (LLM_PROXY_EVENT_BUS, from the environment or ./.env):
  in-memory (default)  the live event stream of a running server (GET /manage/events), reached
                       with --manage-api-base-url and --management-token like \`llm-proxy manage\`.
                       It LOSES what the server publishes while no dispatcher is connected
                       (dispatcher stopped, restarting, or reconnecting) and what a dispatcher
                       cannot keep up with (the server drops it and says how many).
  redis-streams        a Redis Streams consumer group (REDIS_ADDR, REDIS_STREAM_KEY,
                       REDIS_CONSUMER_GROUP, REDIS_CONSUMER_NAME): nothing is lost while the
                       dispatcher is down; an event is acknowledged only after the sink took it.
                       Each read asks for REDIS_STREAM_BATCH_SIZE entries at most (default 100)
                       and waits REDIS_STREAM_BLOCK_TIME for new ones (default 5s).

Sinks (--service):
  file      one JSON line per event (schema v1, as is) appended to --endpoint, fsync per batch;
            SIGHUP reopens the file (logrotate)
  lunary    POST of each batch as Lunary runs to https://api.lunary.ai/v1/runs/ingest (--api-key)
  helicone  one POST per call to https://api.worker.helicone.ai/custom/v1/log (--api-key)
  webhook   POST of {"events":[…]} to --endpoint, signed: X-LLM-Proxy-Signature: t=<unix s>,
            v1=<hex HMAC-SHA256 of "<t>.<body>"> with --webhook-secret; Idempotency-Key per batch

A batch goes when it holds --batch-size events or its oldest has waited --flush-interval. A failed
send is retried --max-retries times (exponential backoff with jitter); then, or at once when the
sink refuses the events for good (e.g. Helicone 400), they go to the dead letter. On a terminal,
a status line shows events/s, totals and lag; SIGTERM or Ctrl+C ships what was read, then exits.

Metrics (--metrics-addr 127.0.0.1:9464): llm_proxy_dispatcher_events_received_total, _events_delivered_total,
  _events_dead_lettered_total, _events_dropped_total (live stream: dropped by the server, buffer full),
  _retries_total, _batches_total, _sink_errors_total{kind=retryable|permanent|refused},
  _lag_seconds (age of the oldest event not yet shipped), _buffer_fill_ratio, _buffered_events,
  _source_lag_events (Redis Streams: not yet read by the group), and the process's default metrics.
  The endpoint has no authentication: bind it to 127.0.0.1 or a private interface.

Exit codes:
  0  stopped by SIGTERM/SIGINT after shipping what was read
  1  invalid flags or settings (unknown --service, missing --endpoint, a --metrics-addr that
     cannot be bound, ...), or events read
     and left undelivered at the stop (drain timeout, second signal)
  2  the server, Redis or the sink could not be reached at start
  3  credentials refused: the management token (HTTP 401), or the sink's key (HTTP 401/403)

Examples:
  $ llm-proxy dispatcher --service file --endpoint ./events.jsonl
  $ llm-proxy dispatcher --service file --endpoint ./events.jsonl --buffer 1000
  $ llm-proxy dispatcher --service file --endpoint ./events.jsonl --metrics-addr 127.0.0.1:9464
  $ llm-proxy dispatcher --service lunary --api-key "$LUNARY_PUBLIC_KEY" --batch-size 50
  $ DISPATCHER_WEBHOOK_SECRET=... llm-proxy dispatcher --service webhook --endpoint https://example.com/hooks/llm
  $ LLM_PROXY_EVENT_BUS=redis-streams REDIS_ADDR=localhost:6379 llm-proxy dispatcher --service file --endpoint ./events.jsonl`,
    )
    .action(async (options: DispatcherCommandOptions) => {
      const { runDispatcher } = await import('./run.js');
      await runDispatcher(options, io);
    });
}
