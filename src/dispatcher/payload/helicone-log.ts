import type { ProxyEvent } from '../../events/index.js';
import type { RunPayload } from './run-payload.js';

type JsonObject = Record<string, unknown>;

/** Seconds and milliseconds of an ISO timestamp, as Helicone's timing wants them. */
function heliconeTime(iso: string): { seconds: number; milliseconds: number } {
  const ms = Date.parse(iso);
  return { seconds: Math.floor(ms / 1000), milliseconds: ms % 1000 };
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Helicone's manual logger body (POST /custom/v1/log), built from the run as the Go dispatcher
 * does (internal/dispatcher/plugins/helicone.go):
 *
 * - providerRequest.url: the call's path (Go's fallback "custom-model-nopath" when there is none);
 *   .json: the request body when it is a JSON object, else {}; .meta: the run's string-valued
 *   metadata (method, path, request_id, event_id, project_id, token_id, model…) plus
 *   provider / Helicone-Provider "openai", so Helicone prices it.
 * - providerResponse.status: the call's status; .headers: {}; .json: the answer when it is a JSON
 *   object (a streamed answer merged into one), else {} with note "response was not JSON; omitted";
 *   .json.usage: our usage figures (prompt, completion, total) when known, so Helicone computes cost.
 * - timing: started_at and ended_at of the call (Go sent the time of sending for both).
 */
export function heliconeLog(run: RunPayload, event: ProxyEvent): JsonObject {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(run.metadata)) if (typeof value === 'string') meta[name] = value;
  meta.provider ??= 'openai';
  meta['Helicone-Provider'] ??= meta.provider;

  const isJsonAnswer = isObject(run.output);
  const answer: JsonObject = isJsonAnswer ? { ...(run.output as JsonObject) } : {};
  if (event.usage.source !== 'missing') {
    answer.usage = {
      prompt_tokens: event.usage.prompt_tokens,
      completion_tokens: event.usage.completion_tokens,
      total_tokens: event.usage.total_tokens,
    };
  }
  return {
    providerRequest: {
      url: event.path || 'custom-model-nopath',
      json: isObject(run.input) ? run.input : {},
      meta,
    },
    providerResponse: {
      status: event.status,
      headers: {},
      json: answer,
      ...(!isJsonAnswer && { note: 'response was not JSON; omitted' }),
    },
    timing: { startTime: heliconeTime(event.started_at), endTime: heliconeTime(event.ended_at) },
  };
}
