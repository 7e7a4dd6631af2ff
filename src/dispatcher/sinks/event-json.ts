import type { ProxyEvent } from '../../events/index.js';

/**
 * The event as one line of JSON: the JSON it arrived as (Redis Streams keeps the published text,
 * so the event is not serialized a second time) when that is one line, else JSON.stringify.
 */
export function eventJson(event: ProxyEvent, json: string | undefined): string {
  return json !== undefined && !json.includes('\n') && !json.includes('\r') ? json : JSON.stringify(event);
}
