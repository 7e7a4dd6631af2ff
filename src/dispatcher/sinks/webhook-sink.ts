import { createHash, createHmac } from 'node:crypto';
import type { ProxyEvent } from '../../events/index.js';
import { SinkError, type Sink } from '../sink.js';
import { eventJson } from './event-json.js';
import { answerText, displayUrl, postJson, preflight, refusedCredentials } from './http-post.js';

export const SIGNATURE_HEADER = 'x-llm-proxy-signature';

export interface WebhookSinkOptions {
  readonly endpoint: string;
  /** The HMAC key receivers verify the signature with. */
  readonly secret: string;
  /** Unix time in ms (tests). */
  readonly now?: () => number;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: what X-LLM-Proxy-Signature carries. */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/** The same for every send of the same events (retries included): hex SHA-256 of their ids. */
export function batchIdempotencyKey(events: readonly ProxyEvent[]): string {
  const hash = createHash('sha256');
  for (const event of events) hash.update(event.event_id + '\n');
  return hash.digest('hex');
}

/** 408, 425, 429 and 5xx are worth another try; any other 4xx means the receiver will never take this batch. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs each batch as `{"events":[…]}` (v1 events as they are) to any URL, signed: the
 * X-LLM-Proxy-Signature header holds a timestamp and the HMAC-SHA256 of "<timestamp>.<body>"
 * with the shared secret (receivers check it and the timestamp's age). Idempotency-Key is the
 * same for every send of the same batch, and each event carries its event_id, so receivers can
 * drop what they already have. 401/403 stop the dispatcher; redirects are not followed.
 */
export function createWebhookSink(options: WebhookSinkOptions): Sink {
  const { endpoint, secret } = options;
  const now = options.now ?? Date.now;
  // A webhook URL's path often is its secret: messages show the origin only.
  const where = `the webhook at ${displayUrl(endpoint, { pathShown: false })}`;
  return {
    description: `webhook ${displayUrl(endpoint, { pathShown: false })}`,
    open: () => preflight(endpoint, where),
    async send(events, signal, json = []) {
      // JSON.stringify({ events }), from the JSON the events arrived as when the source kept it.
      const body = `{"events":[${events.map((event, index) => eventJson(event, json[index])).join(',')}]}`;
      const headers = {
        [SIGNATURE_HEADER]: webhookSignature(secret, body, Math.floor(now() / 1000)),
        'idempotency-key': batchIdempotencyKey(events),
        'x-llm-proxy-event-count': String(events.length),
      };
      const answer = await postJson(endpoint, body, headers, signal, where);
      if (answer.status >= 200 && answer.status < 300) return;
      if (answer.status === 401 || answer.status === 403) throw refusedCredentials(where, answer, 'check the receiver and --webhook-secret / DISPATCHER_WEBHOOK_SECRET');
      throw new SinkError(`${where} answered ${answerText(answer)}`, {
        failure: isRetryableStatus(answer.status) ? 'retryable' : 'permanent',
        status: answer.status,
      });
    },
    close: async () => undefined,
  };
}
