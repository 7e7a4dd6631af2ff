import type { ProxyEvent } from '../../events/index.js';
import { excerptJson } from './body-json.js';

/**
 * The Go dispatcher's EventPayload (internal/dispatcher/plugin.go), what Lunary ingests as a run
 * and what the Helicone log is built from. Mapping from our v1 event:
 *
 * | field         | from                                                                          |
 * |---------------|-------------------------------------------------------------------------------|
 * | type, event   | "llm", "start" (as Go: one event per call, with input and output together)     |
 * | runId         | event_id (Go made a new UUID per send; ours is stable, so a resent run is the same run) |
 * | timestamp     | started_at (Go: the time of sending)                                           |
 * | input, output | request_body / response_body excerpts: parsed JSON, a merged stream, else text  |
 * |               | (left out when there is no body or excerpts are off)                          |
 * | tokensUsage   | usage.prompt_tokens / completion_tokens, unless usage.source is "missing"       |
 * | metadata      | method, path, status, duration_ms, request_id (as Go), plus event_id, project_id, |
 * |               | token_id, model, cache_status, error_code, usage_source, aborted when known     |
 *
 * Go's `log_id` (always 0) and the never-filled fields (parentRunId, name, userId, tags…) are left out.
 */
export interface RunPayload {
  readonly type: 'llm';
  readonly event: 'start';
  readonly runId: string;
  readonly timestamp: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly tokensUsage?: { readonly completion: number; readonly prompt: number };
  readonly metadata: Readonly<Record<string, string | number | boolean>>;
}

/** Lunary and Helicone take LLM calls: like Go, only POST requests become runs. */
export function isRunEvent(event: ProxyEvent): boolean {
  return event.method === 'POST';
}

function runMetadata(event: ProxyEvent): Record<string, string | number | boolean> {
  const metadata: Record<string, string | number | boolean> = {
    method: event.method,
    path: event.path,
    status: event.status,
    duration_ms: Math.round(event.duration_ms),
    request_id: event.request_id,
    event_id: event.event_id,
  };
  if (event.project_id !== null) metadata.project_id = event.project_id;
  if (event.token_id !== null) metadata.token_id = event.token_id;
  if (event.model !== null) metadata.model = event.model;
  if (event.cache_status !== null) metadata.cache_status = event.cache_status;
  if (event.error_code !== null) metadata.error_code = event.error_code;
  if (event.usage.source !== 'missing') metadata.usage_source = event.usage.source;
  if (event.aborted) metadata.aborted = true;
  return metadata;
}

export function runPayload(event: ProxyEvent): RunPayload {
  const input = excerptJson(event.request_body);
  const output = excerptJson(event.response_body);
  return {
    type: 'llm',
    event: 'start',
    runId: event.event_id,
    timestamp: event.started_at,
    ...(input !== undefined && { input }),
    ...(output !== undefined && { output }),
    ...(event.usage.source !== 'missing' && {
      tokensUsage: { completion: event.usage.completion_tokens, prompt: event.usage.prompt_tokens },
    }),
    metadata: runMetadata(event),
  };
}
