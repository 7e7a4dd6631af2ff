import { heliconeLog } from '../payload/helicone-log.js';
import { isRunEvent, runPayload } from '../payload/run-payload.js';
import { SinkError, type Sink } from '../sink.js';
import { answerText, displayUrl, postJson, preflight, refusedCredentials } from './http-post.js';
import type { ApiKeySinkOptions } from './lunary-sink.js';

export const HELICONE_ENDPOINT = 'https://api.worker.helicone.ai/custom/v1/log';

/**
 * Helicone's manual logger: one POST per event (see payload/helicone-log.ts), `Authorization:
 * Bearer <api key>`. As in Go: only POST calls with an answer body are sent; 400 and 500 mean
 * Helicone will never take that event (its payload), so it goes to the dead letter at once;
 * other failures are retried; 401/403 stop the dispatcher. A failure reports how many events of
 * the batch were already taken, so that a retry does not send them twice.
 */
export function createHeliconeSink(options: ApiKeySinkOptions): Sink {
  const endpoint = options.endpoint ?? HELICONE_ENDPOINT;
  const where = `Helicone at ${displayUrl(endpoint)}`;
  const headers = { authorization: `Bearer ${options.apiKey}` };
  return {
    description: `helicone ${displayUrl(endpoint)}`,
    open: () => preflight(endpoint, where),
    async send(events, signal) {
      for (const [index, event] of events.entries()) {
        if (!isRunEvent(event)) continue;
        const run = runPayload(event);
        if (run.output === undefined) continue;
        let answer;
        try {
          answer = await postJson(endpoint, JSON.stringify(heliconeLog(run, event)), headers, signal, where);
        } catch (error) {
          if (error instanceof SinkError) throw new SinkError(error.message, { failure: 'retryable', delivered: index, cause: error.cause });
          throw error;
        }
        if (answer.status >= 200 && answer.status < 300) continue;
        if (answer.status === 401 || answer.status === 403) {
          throw refusedCredentials(where, answer, 'check --api-key or LLM_PROXY_API_KEY', index);
        }
        const isPermanent = answer.status === 400 || answer.status === 500;
        throw new SinkError(`${where} answered ${answerText(answer)} for event ${event.event_id}`, {
          failure: isPermanent ? 'permanent' : 'retryable',
          delivered: index,
          affected: 1,
          status: answer.status,
        });
      }
    },
    close: async () => undefined,
  };
}
