import { Option, InvalidArgumentError, type Command } from 'commander';
import type { BenchmarkMethod } from '../../benchmark/index.js';
import type { Io } from '../io.js';
import { positiveDurationMs, positiveInteger } from '../option-parsers.js';

export interface BenchmarkCommandOptions {
  /** Default: the server's LISTEN_ADDR from the environment or ./.env, else http://localhost:8080. */
  readonly baseUrl?: string;
  readonly endpoint: string;
  readonly token?: string;
  readonly tokenEnv: string;
  readonly requests?: number;
  /** Milliseconds. */
  readonly duration?: number;
  readonly concurrency: number;
  readonly json?: string;
  readonly method: BenchmarkMethod;
  readonly cache?: boolean;
  readonly cacheTtl: number;
  readonly debug?: boolean;
  /** Milliseconds. */
  readonly timeout?: number;
  readonly output: 'text' | 'json';
}

const METHODS: readonly BenchmarkMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function httpMethod(text: string): BenchmarkMethod {
  const method = METHODS.find((candidate) => candidate === text.toUpperCase());
  if (method === undefined) throw new InvalidArgumentError(`expected one of ${METHODS.join(', ')}.`);
  return method;
}

export function registerBenchmarkCommand(program: Command, io: Io): void {
  program
    .command('benchmark')
    .description('Measure latency, throughput and errors of the proxy (or any OpenAI-compatible API) under concurrent load')
    .option('--base-url <url>', 'base URL of the target, e.g. https://api.openai.com/v1 (default: LISTEN_ADDR of ./.env as http://…, else http://localhost:8080)')
    .requiredOption('--endpoint <path>', 'API path appended to the base URL, e.g. /v1/chat/completions')
    .option('--token <token>', 'bearer token: a withering token, or an API key when benchmarking the API directly (default: $PROXY_TOKEN)')
    .option('--token-env <name>', 'environment variable (or ./.env entry) to read the token from when --token is not given', 'PROXY_TOKEN')
    .option('-r, --requests <n>', 'total number of requests to send (default 1, unless --duration is given)', positiveInteger)
    .option('--duration <time>', 'send requests for this long instead of a fixed number, e.g. 30s or 2m', positiveDurationMs)
    .option('-c, --concurrency <n>', 'requests kept in flight at once, one connection each', positiveInteger, 1)
    .option('--json <body>', 'JSON request body for POST, PUT and PATCH (sent as application/json)')
    .option('--method <method>', 'HTTP method: GET, POST, PUT, PATCH or DELETE', httpMethod, 'POST')
    .option('--cache', 'send Cache-Control: public, max-age=<cache-ttl> to exercise the response cache')
    .option('--cache-ttl <seconds>', 'max-age sent with --cache', positiveInteger, 86_400)
    .option('--timeout <time>', 'abort a request that has not completed after this long (default 60s)', positiveDurationMs)
    .option('--debug', 'print one sample response (status, headers, body) per status code, and one per error kind')
    .addOption(new Option('--output <format>', 'report format: text, or json for one JSON document on stdout').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      `
Every request carries X-REQUEST-START (Unix ns). Through llm-proxy, the X-UPSTREAM-REQUEST-START
and -STOP response headers split each latency into upstream time (the proxy's wait for the
upstream's response headers) and proxy overhead (total latency minus upstream time; for streams,
what the proxy added before the first byte). Latency figures count successful (2xx) responses.
Ctrl+C stops early and prints what was measured.

Exit codes:
  0  the benchmark ran (failed requests are counted in the report, not in the exit code)
  1  invalid flags (bad --json body, unknown --method, --requests with --duration, no token, ...)
  2  the target could not be reached (checked before the first request), or no request connected
  3  every request was answered 401 Unauthorized (wrong, expired or revoked token)

Examples:
  $ llm-proxy benchmark --base-url "http://localhost:8080" --endpoint "/v1/chat/completions" \\
      --token "$PROXY_TOKEN" --requests 100 --concurrency 4 \\
      --json '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
  $ llm-proxy benchmark --base-url "https://api.openai.com/v1" --endpoint "/chat/completions" \\
      --token-env OPENAI_API_KEY --requests 100 --concurrency 4 \\
      --json '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
  $ llm-proxy benchmark --base-url "http://localhost:8080" --endpoint "/v1/models" \\
      --method GET --requests 20 --concurrency 5 --debug
  $ llm-proxy benchmark --base-url "http://localhost:8080" --endpoint "/v1/chat/completions" \\
      --requests 10 --cache --cache-ttl 3600 \\
      --json '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"test cache"}]}'
  $ llm-proxy benchmark --base-url "http://localhost:8080" --endpoint "/v1/models" --method GET \\
      --duration 30s --concurrency 16 --output json`,
    )
    .action(async (options: BenchmarkCommandOptions) => {
      const { runBenchmark } = await import('./run.js');
      await runBenchmark(options, io);
    });
}
