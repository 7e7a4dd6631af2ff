import type { AuditEventResponse } from '../../manage-client/index.js';
import { formatDetails } from '../format.js';
import { writeJson, type Io } from '../io.js';
import { manageClientFor, type ManageGlobalOptions } from './context.js';

/** `2026-11-27 16:30:05.123 UTC`: a record's time to the millisecond (records of one request differ by less than a minute). */
const recordTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;

/** One audit record as label/value lines; fields the record does not have are left out. */
export function auditDetails(event: AuditEventResponse): string {
  const optional: [string, string | null][] = [
    ['Project', event.project_id],
    ['Token', event.token_id],
    ['Request ID', event.request_id],
    ['Correlation ID', event.correlation_id],
    ['Client IP', event.client_ip],
    ['Request', event.method === null ? event.path : `${event.method} ${event.path ?? ''}`.trim()],
    ['User agent', event.user_agent],
    ['Reason', event.reason],
    ['Details', event.metadata === null || Object.keys(event.metadata).length === 0 ? null : JSON.stringify(event.metadata)],
  ];
  return formatDetails([
    ['ID', event.id],
    ['Time', recordTime(event.timestamp)],
    ['Action', event.action],
    ['Outcome', event.outcome],
    ['Actor', event.actor],
    ...optional.filter((row): row is [string, string] => row[1] !== null),
  ]);
}

export async function runAuditGet(eventId: string, options: ManageGlobalOptions, io: Io): Promise<void> {
  const event = await manageClientFor(options).getAuditEvent(eventId);
  if (options.json) return writeJson(io, event);
  io.stdout.write(auditDetails(event));
}
