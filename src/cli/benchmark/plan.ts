import type { LoadOptions } from '../../benchmark/index.js';
import { defaultProxyUrl, readClientSetting } from '../../config/index.js';
import { UsageError } from '../io.js';
import type { BenchmarkCommandOptions } from './index.js';

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Body bytes kept per sample response with --debug. */
export const DEBUG_BODY_BYTES = 4096;
/** The connectivity check gives up sooner than a request would. */
const MAX_PREFLIGHT_MS = 10_000;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** What an HTTP header value can carry without escaping; tokens and API keys fit. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** What a benchmark will do, validated: the engine's options plus what the CLI needs around them. */
export interface BenchmarkPlan {
  readonly load: LoadOptions;
  readonly preflightTimeoutMs: number;
  /** Where the token came from, for messages (`--token` or the variable's name). */
  readonly tokenSource: string;
  readonly warnings: readonly string[];
}

/** `--base-url` (which may carry a path, like https://api.openai.com/v1) joined with `--endpoint`. */
export function targetUrl(baseUrl: string, endpoint: string): URL {
  const base = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (base === undefined || (base.protocol !== 'http:' && base.protocol !== 'https:')) {
    throw new UsageError(`--base-url must be an http:// or https:// URL, got "${baseUrl}"`);
  }
  if (base.search !== '' || base.hash !== '') throw new UsageError('--base-url must not carry a query or fragment: put the query in --endpoint');
  if (base.username !== '' || base.password !== '') throw new UsageError('--base-url must not carry credentials: pass the token with --token');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    throw new UsageError(`--endpoint is a path such as /v1/chat/completions, got "${endpoint}": put the origin in --base-url`);
  }
  const path = endpoint.startsWith('/') ? endpoint : `/${endpoint}`;
  return new URL(base.origin + base.pathname.replace(/\/+$/, '') + path);
}

/** The parsed --json body, and whether it asks for a streamed answer. */
function parseBody(json: string): { body: Buffer; expectStream: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const expectStream = typeof parsed === 'object' && parsed !== null && (parsed as { stream?: unknown }).stream === true;
  return { body: Buffer.from(json, 'utf8'), expectStream };
}

/** Validates the flags together (each flag's own syntax was checked by its parser). */
export function planBenchmark(
  options: BenchmarkCommandOptions,
  readSetting: (name: string) => string | undefined = readClientSetting,
): BenchmarkPlan {
  if (options.requests !== undefined && options.duration !== undefined) {
    throw new UsageError('--requests and --duration are alternatives: pass one of them');
  }
  const url = targetUrl(options.baseUrl ?? defaultProxyUrl(readSetting), options.endpoint);
  const tokenSource = options.token ? '--token' : `$${options.tokenEnv}`;
  const token = options.token || readSetting(options.tokenEnv);
  if (!token) throw new UsageError(`a token is required: pass --token or set ${options.tokenEnv} (or choose the variable with --token-env)`);
  // Never echo the token itself, not even in an error.
  if (!HEADER_SAFE.test(token)) throw new UsageError(`the token from ${tokenSource} contains spaces or characters an HTTP header cannot carry`);

  const warnings: string[] = [];
  const hasBody = options.json !== undefined && BODY_METHODS.has(options.method);
  const { body, expectStream } = options.json === undefined ? { body: undefined, expectStream: false } : parseBody(options.json);
  if (options.json !== undefined && !hasBody) warnings.push(`--json is not sent with ${options.method}: only POST, PUT and PATCH carry a body`);
  const timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;

  return {
    load: {
      url,
      method: options.method,
      token,
      body: hasBody ? body : undefined,
      expectStream: hasBody && expectStream,
      cacheTtlSeconds: options.cache ? options.cacheTtl : undefined,
      concurrency: options.concurrency,
      requests: options.duration === undefined ? (options.requests ?? 1) : undefined,
      durationMs: options.duration,
      timeoutMs,
      debugBodyBytes: options.debug ? DEBUG_BODY_BYTES : 0,
    },
    preflightTimeoutMs: Math.min(timeoutMs, MAX_PREFLIGHT_MS),
    tokenSource,
    warnings,
  };
}
