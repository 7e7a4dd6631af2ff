import type { Command } from 'commander';
import type { Io } from '../io.js';

export interface ServerOptions {
  readonly addr?: string;
  readonly db?: string;
  /** Undefined: ./.env, created on the first start. */
  readonly config?: string;
  readonly apiConfig?: string;
  readonly logLevel?: string;
  readonly fileEventLog?: string;
  readonly workers?: string;
}

export function registerServerCommand(program: Command, io: Io): void {
  program
    .command('server')
    .description('Start the proxy: /v1/* to the upstream API, the management API on /manage, /health, /ready and /metrics')
    .option('--addr <address>', 'address to listen on, e.g. :8080 or 127.0.0.1:8080 (env LISTEN_ADDR, default ":8080")')
    .option('--db <path>', 'SQLite database file, created if missing (env DATABASE_PATH, default "data/llm-proxy.db"; unused with DB_DRIVER=postgres|mysql)')
    .option('--config <path>', '.env file to read settings from; it never overrides the environment; must exist when given (default: ./.env, created on the first start)')
    .option('--api-config <path>', 'api_providers.yaml with the upstream and its allowed endpoints (env API_CONFIG_PATH, default: built-in OpenAI)')
    .option('--log-level <level>', 'debug, info, warn or error (env LOG_LEVEL, default info)')
    .option('--file-event-log <path>', 'append one JSON line per proxied call to this file; SIGHUP reopens it, for logrotate (env FILE_EVENT_LOG)')
    .option('--workers <n>', 'processes serving the one port: a number, or auto for one per CPU core (env LLM_PROXY_WORKERS, default 1)')
    .addHelpText(
      'after',
      `
Settings come from flags, then the environment, then the .env file, then defaults.
Several instances share one PostgreSQL or MySQL database with DB_DRIVER=postgres|mysql and
DATABASE_URL (pending migrations are applied at start, by one instance at a time; see
\`llm-proxy migrate --help\`).
Without MANAGEMENT_TOKEN, one is generated, saved to the .env file (mode 0600) and printed once,
with a new ENCRYPTION_KEY when none is set (project API keys are then stored encrypted).
SIGINT/SIGTERM stop accepting requests, let in-flight ones (streams too) finish, then exit 0;
a second signal cuts what is still in flight and exits 1.

With --workers N (N > 1) a primary process runs the migrations and the first start's secret
generation once, then starts N workers (node:cluster) that share the port and act as separate
instances would: max_requests is exact (the database's conditional update, or Redis with
LLM_PROXY_COORDINATION=redis), revocations and key changes reach every worker at once,
requests_per_minute holds for all workers together (counted by the primary, or in Redis) and an
admin UI login holds on every worker (the primary keeps the sessions, or Redis does).
A worker that dies is replaced (with backoff; the primary gives up after 5 quick crashes in a row);
signals go to the primary, which drains every worker. The response cache (unless
HTTP_CACHE_BACKEND=redis), /metrics and the live event stream are per worker; log lines carry pid.

Examples:
  $ llm-proxy server
  $ MANAGEMENT_TOKEN=your-token llm-proxy server --addr 127.0.0.1:9000 --db /var/lib/llm-proxy/db.sqlite
  $ llm-proxy server --config /etc/llm-proxy/.env --api-config ./config/api_providers.yaml
  $ FILE_EVENT_LOG=./events.jsonl llm-proxy server
  $ llm-proxy server --workers auto`,
    )
    .action(async (options: ServerOptions) => {
      const { runServer } = await import('./run.js');
      await runServer(options, io);
    });
}
