import { randomBytes } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Ids are a random per-process prefix and a counter: unique, and cheaper than a UUID per request.
const processPrefix = randomBytes(6).toString('hex');
let counter = 0;

/** Reuses a client's X-Request-ID only when it is short and made of safe characters. */
export function pickRequestId(inbound: string | string[] | undefined): string {
  if (typeof inbound === 'string' && SAFE_ID.test(inbound)) return inbound;
  counter += 1;
  return `${processPrefix}-${counter.toString(36).padStart(8, '0')}`;
}
