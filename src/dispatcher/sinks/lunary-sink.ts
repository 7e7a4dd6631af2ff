import { runPayload, isRunEvent } from '../payload/run-payload.js';
import { SinkError, type Sink } from '../sink.js';
import { answerText, displayUrl, postJson, preflight, refusedCredentials } from './http-post.js';

export const LUNARY_ENDPOINT = 'https://api.lunary.ai/v1/runs/ingest';

export interface ApiKeySinkOptions {
  /** Default: the service's own ingestion URL. */
  readonly endpoint?: string;
  readonly apiKey: string;
}

/**
 * Lunary (lunary.ai): one POST per batch to its run ingestion endpoint, the body a JSON array of
 * runs (see payload/run-payload.ts), `Authorization: Bearer <api key>`. As in Go, only POST calls
 * are sent and every failure but refused credentials (401/403: the dispatcher stops) is retried.
 */
export function createLunarySink(options: ApiKeySinkOptions): Sink {
  const endpoint = options.endpoint ?? LUNARY_ENDPOINT;
  const where = `Lunary at ${displayUrl(endpoint)}`;
  const headers = { authorization: `Bearer ${options.apiKey}` };
  return {
    description: `lunary ${displayUrl(endpoint)}`,
    open: () => preflight(endpoint, where),
    async send(events, signal) {
      const runs = events.filter(isRunEvent).map(runPayload);
      if (runs.length === 0) return;
      const answer = await postJson(endpoint, JSON.stringify(runs), headers, signal, where);
      if (answer.status >= 200 && answer.status < 300) return;
      if (answer.status === 401 || answer.status === 403) throw refusedCredentials(where, answer, 'check --api-key or LLM_PROXY_API_KEY');
      throw new SinkError(`${where} answered ${answerText(answer)}`, { failure: 'retryable', status: answer.status });
    },
    close: async () => undefined,
  };
}
