/**
 * The event the proxy records about every call on /v1/* (schema version 1), published once the
 * response is over. It is the contract with everything that consumes events: the file event log,
 * the dispatcher and its sinks, the usage ledger, metrics. `schema/proxy-event.v1.json` is the
 * same contract as JSON Schema, and the README's "Events" section documents it for users.
 * Never holds a withering token, an API key or any other secret.
 */
export const PROXY_EVENT_SCHEMA_VERSION = 1;

/** Where the token counts came from. */
export type UsageSource = 'provider' | 'estimated' | 'missing';

export interface EventUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  /** Prompt tokens the provider served from its prompt cache (prompt_tokens_details.cached_tokens). */
  readonly cached_tokens: number;
  /** Completion tokens spent on reasoning (completion_tokens_details.reasoning_tokens). */
  readonly reasoning_tokens: number;
  /**
   * `provider`: the upstream's own usage figures; `estimated`: counted with a tokenizer over what
   * was sent and streamed (the call was cut before the provider reported usage); `missing`: no
   * figures (not a token-metered endpoint, an error, a cache hit of a body without usage…): all 0.
   */
  readonly source: UsageSource;
}

/** The first bytes of a request or response body, secrets redacted; null when excerpts are off. */
export interface BodyExcerpt {
  /** UTF-8 text (invalid sequences replaced); binary bodies are not excerpted (text is ""). */
  readonly text: string;
  /** True when the body was longer than the excerpt limit (or binary). */
  readonly truncated: boolean;
  /** Bytes of the whole body as it passed the proxy; null when the client left before it ended. */
  readonly bytes: number | null;
}

export interface ProxyEvent {
  readonly schema_version: typeof PROXY_EVENT_SCHEMA_VERSION;
  /** Unique per call and stable across redeliveries: sinks de-duplicate by it. */
  readonly event_id: string;
  /** X-Request-ID of the call (the client's, or the one the proxy generated). */
  readonly request_id: string;
  /** ISO 8601 UTC, when the request arrived / when the response ended. */
  readonly started_at: string;
  readonly ended_at: string;
  readonly duration_ms: number;
  /** Time from sending the upstream request to its response headers; null when not sent upstream. */
  readonly upstream_ms: number | null;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** HTTP status sent to the client; 0 when the client went away before any status was sent. */
  readonly status: number;
  readonly project_id: string | null;
  /** The token's id (never the token itself). */
  readonly token_id: string | null;
  /** The `model` of the request body (JSON bodies), else of the response; null when unknown. */
  readonly model: string | null;
  /** True when the request asked for a streamed answer (`"stream": true`). */
  readonly stream: boolean;
  /** The response cache's verdict: hit, miss, bypass, stored…; null when the cache did not look. */
  readonly cache_status: string | null;
  readonly usage: EventUsage;
  readonly request_body: BodyExcerpt | null;
  readonly response_body: BodyExcerpt | null;
  /** Error code when the proxy itself refused or failed the call (the OpenAI-shape `code`). */
  readonly error_code: string | null;
  /** True when the client disconnected before the response was complete. */
  readonly aborted: boolean;
  /** WebSocket upgrades: bytes relayed from the client to the upstream after the request head. */
  readonly bytes_in?: number;
  /** WebSocket upgrades: bytes relayed from the upstream to the client after the response head. */
  readonly bytes_out?: number;
}

export const MISSING_USAGE: EventUsage = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  cached_tokens: 0,
  reasoning_tokens: 0,
  source: 'missing',
});

/**
 * What the in-process recorders of calls (the usage ledger, metrics) read of every call: a few
 * fields of its event, gathered without what is costly to make (event id, ISO times, excerpts,
 * the request's model), so that the recorders cost next to nothing when no consumer of whole
 * events is attached. The field names are the event's.
 */
export type CallRecord = Pick<
  ProxyEvent,
  'duration_ms' | 'upstream_ms' | 'method' | 'path' | 'status' | 'project_id' | 'token_id' | 'cache_status' | 'usage' | 'error_code'
> & {
  /** When the request arrived, in Unix milliseconds (the event's started_at). */
  readonly started_ms: number;
};
