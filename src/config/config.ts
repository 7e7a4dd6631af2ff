import type { ListenAddress } from './units.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The server's configuration: validated once at start, then frozen. */
export interface Config {
  readonly listen: ListenAddress;
  readonly database: {
    readonly driver: 'sqlite';
    readonly path: string;
    /** How long a write waits for a lock held by another process before answering 503. */
    readonly lockTimeoutMs: number;
  };
  readonly upstream: {
    /** Base URL of the built-in OpenAI provider (used when no api_providers.yaml is given). */
    readonly openaiApiUrl: string;
    readonly apiConfigPath: string | undefined;
    readonly defaultProvider: string | undefined;
    /** Longest wait for upstream response headers, and for each next body chunk. */
    readonly requestTimeoutMs: number;
    readonly maxRequestBytes: number;
  };
  readonly auth: { readonly tokenCacheTtlMs: number };
  readonly events: { readonly backend: 'in-memory'; readonly bufferSize: number };
  readonly log: { readonly level: LogLevel };
  readonly shutdown: { readonly drainTimeoutMs: number };
  readonly secrets: { readonly managementToken: string; readonly encryptionKey: Buffer | undefined };
}
