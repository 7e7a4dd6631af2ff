/** Column types as the driver returns them; audit-events.ts turns them into domain values. */
export interface AuditEventsTable {
  id: string;
  /** ISO-8601 UTC, so that text order is time order. */
  timestamp: string | Date;
  action: string;
  actor: string;
  project_id: string | null;
  request_id: string | null;
  correlation_id: string | null;
  client_ip: string | null;
  method: string | null;
  path: string | null;
  user_agent: string | null;
  reason: string | null;
  token_id: string | null;
  /** JSON object of the action's details. */
  metadata: string | null;
  /** success | failure | denied | error (CHECK constraint). */
  outcome: string;
}

export const auditEventsTable = 'audit_events';
