import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDurationMs } from '../config/index.js';

/**
 * The upstream API the proxy forwards to, from `api_providers.yaml` (the Go original's schema)
 * or the built-in OpenAI default. Everything here is resolved once at start.
 */
export interface Provider {
  readonly name: string;
  readonly baseUrl: URL;
  readonly allowedEndpoints: readonly string[];
  readonly allowedMethods: readonly string[];
  /** Top-level JSON body key → glob patterns its value must match. */
  readonly paramWhitelist: Readonly<Record<string, readonly string[]>>;
  readonly allowedOrigins: readonly string[];
  readonly requireOrigin: boolean;
  /** Longest wait for response headers; undefined = UPSTREAM_RESPONSE_HEADER_TIMEOUT. */
  readonly responseTimeoutMs: number | undefined;
  /** Longest silence between response body chunks; undefined = UPSTREAM_STREAM_IDLE_TIMEOUT. */
  readonly streamIdleTimeoutMs: number | undefined;
  /** Longest wait for a TCP/TLS connection; undefined = UPSTREAM_CONNECT_TIMEOUT. */
  readonly connectTimeoutMs: number | undefined;
  /** Most connections open at once; undefined = UPSTREAM_MAX_CONNECTIONS. */
  readonly maxConnections: number | undefined;
  /** Most requests waiting for a connection; undefined = UPSTREAM_MAX_QUEUE. */
  readonly maxQueue: number | undefined;
  readonly idleConnectionMs: number;
  readonly maxIdleConnections: number;
}

/** Every current OpenAI endpoint family; matched on whole path segments. */
export const OPENAI_ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/conversations',
  '/v1/embeddings',
  '/v1/models',
  '/v1/moderations',
  '/v1/images',
  '/v1/audio',
  '/v1/files',
  '/v1/uploads',
  '/v1/batches',
  '/v1/fine_tuning',
  '/v1/assistants',
  '/v1/threads',
  '/v1/vector_stores',
  '/v1/realtime',
  '/v1/evals',
  '/v1/containers',
  '/v1/videos',
] as const;

/** Removes trailing slashes and a trailing `/v1` (clients send paths that already start with /v1). */
function normaliseBaseUrl(text: string): URL {
  const url = new URL(text);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

export function builtInOpenAiProvider(baseUrl: string): Provider {
  return {
    name: 'openai',
    baseUrl: normaliseBaseUrl(baseUrl),
    allowedEndpoints: OPENAI_ENDPOINTS,
    allowedMethods: ['GET', 'POST', 'DELETE'],
    paramWhitelist: {},
    allowedOrigins: [],
    requireOrigin: false,
    responseTimeoutMs: undefined,
    streamIdleTimeoutMs: undefined,
    connectTimeoutMs: undefined,
    maxConnections: undefined,
    maxQueue: undefined,
    idleConnectionMs: 90_000,
    maxIdleConnections: 256,
  };
}

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value);
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 30s or 2m` });
    return z.NEVER;
  }
  return ms;
});

const providerSchema = z.object({
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  allowed_endpoints: z.array(z.string().startsWith('/', 'must start with /')).min(1, 'must list at least one endpoint'),
  allowed_methods: z.array(z.string()).min(1, 'must list at least one method'),
  timeouts: z
    .object({
      request: duration.optional(),
      response_header: duration.optional(),
      stream_idle: duration.optional(),
      connect: duration.optional(),
      idle_connection: duration.optional(),
      flush_interval: duration.optional(),
    })
    .optional(),
  connection: z
    .object({
      max_idle_conns: z.number().int().positive().optional(),
      max_idle_conns_per_host: z.number().int().positive().optional(),
      max_conns_per_host: z.number().int().positive().optional(),
      max_queue: z.number().int().nonnegative().optional(),
    })
    .optional(),
  param_whitelist: z.record(z.string(), z.array(z.union([z.string(), z.number()]).transform(String))).optional(),
  allowed_origins: z.array(z.string()).optional(),
  required_headers: z.array(z.string()).optional(),
});

const fileSchema = z.object({
  default_api: z.string().optional(),
  apis: z.record(z.string(), providerSchema).refine((apis) => Object.keys(apis).length > 0, 'must define at least one API'),
});

export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

function toProvider(name: string, raw: z.output<typeof providerSchema>): Provider {
  return {
    name,
    baseUrl: normaliseBaseUrl(raw.base_url),
    allowedEndpoints: raw.allowed_endpoints.map((endpoint) => endpoint.replace(/\/+$/, '')),
    allowedMethods: raw.allowed_methods.map((method) => method.toUpperCase()),
    paramWhitelist: raw.param_whitelist ?? {},
    allowedOrigins: raw.allowed_origins ?? [],
    requireOrigin: (raw.required_headers ?? []).some((header) => header.toLowerCase() === 'origin'),
    responseTimeoutMs: raw.timeouts?.response_header || undefined,
    streamIdleTimeoutMs: raw.timeouts?.stream_idle || undefined,
    connectTimeoutMs: raw.timeouts?.connect || undefined,
    maxConnections: raw.connection?.max_conns_per_host,
    maxQueue: raw.connection?.max_queue,
    idleConnectionMs: raw.timeouts?.idle_connection ?? 90_000,
    maxIdleConnections: raw.connection?.max_idle_conns_per_host ?? raw.connection?.max_idle_conns ?? 256,
  };
}

/** Parses provider YAML text and picks the active provider (`preferred`, else default_api, else the only/first one). */
export function parseProviderConfig(text: string, preferred?: string, source = 'api_providers.yaml'): Provider {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ProviderConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = fileSchema.safeParse(document);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ProviderConfigError(`${source} is invalid:\n${lines.join('\n')}`);
  }
  const { apis, default_api: defaultApi } = result.data;
  const name = preferred ?? defaultApi ?? (apis.openai ? 'openai' : Object.keys(apis)[0]);
  const raw = name === undefined ? undefined : apis[name];
  if (name === undefined || raw === undefined) {
    throw new ProviderConfigError(
      `${source}: API "${name}" is not defined (defined: ${Object.keys(apis).join(', ')}); set DEFAULT_API_PROVIDER or default_api`,
    );
  }
  return toProvider(name, raw);
}

export function loadProvider(options: { apiConfigPath: string | undefined; defaultProvider: string | undefined; openaiApiUrl: string }): Provider {
  if (options.apiConfigPath === undefined) return builtInOpenAiProvider(options.openaiApiUrl);
  let text: string;
  try {
    text = readFileSync(options.apiConfigPath, 'utf8');
  } catch (error) {
    throw new ProviderConfigError(`API_CONFIG_PATH: cannot read ${options.apiConfigPath}: ${(error as Error).message}`);
  }
  return parseProviderConfig(text, options.defaultProvider, options.apiConfigPath);
}
