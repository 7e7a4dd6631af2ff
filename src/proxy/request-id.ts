import { randomUUID } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a client's X-Request-ID only when it is short and made of safe characters. */
export function pickRequestId(inbound: string | string[] | undefined): string {
  return typeof inbound === 'string' && SAFE_ID.test(inbound) ? inbound : randomUUID();
}
