import { sql, type ExpressionBuilder, type Expression, type Selectable, type SqlBool } from 'kysely';
import { readTime } from './codec.js';
import type { Database } from './database.js';
import type { AuditEventsTable, DatabaseSchema } from './schema/index.js';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied', 'error'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One audit record: who did what, from where, and how it ended. Never holds a secret. */
export interface AuditEvent {
  readonly id: string;
  readonly timestamp: Date;
  /** e.g. project.create, token.revoke, management.auth */
  readonly action: string;
  /** `management:****WXYZ` (hint of the management token used), `anonymous`, `system`. */
  readonly actor: string;
  readonly outcome: AuditOutcome;
  readonly projectId: string | null;
  readonly tokenId: string | null;
  readonly requestId: string | null;
  readonly correlationId: string | null;
  readonly clientIp: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly userAgent: string | null;
  readonly reason: string | null;
  /** The action's details (names, counts, changed fields). */
  readonly metadata: Readonly<Record<string, unknown>> | null;
}

/**
 * The record's plain fields under their snake_case names, in the order they are written: the one
 * mapping of the audit_events row (insertAuditEvents) and of the file line and API answer
 * (auditEventJson). Each adds `id` and `timestamp` before them and `metadata` after, written its
 * own way (the database's time and JSON text; ISO time and an object).
 */
export function auditEventFields(event: AuditEvent) {
  return {
    action: event.action,
    actor: event.actor,
    outcome: event.outcome,
    project_id: event.projectId,
    token_id: event.tokenId,
    request_id: event.requestId,
    correlation_id: event.correlationId,
    client_ip: event.clientIp,
    method: event.method,
    path: event.path,
    user_agent: event.userAgent,
    reason: event.reason,
  };
}

function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    timestamp: readTime(row.timestamp),
    action: row.action,
    actor: row.actor,
    outcome: row.outcome as AuditOutcome, // the CHECK constraint holds it to AUDIT_OUTCOMES
    projectId: row.project_id,
    tokenId: row.token_id,
    requestId: row.request_id,
    correlationId: row.correlation_id,
    clientIp: row.client_ip,
    method: row.method,
    path: row.path,
    userAgent: row.user_agent,
    reason: row.reason,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
  };
}

/** Rows per INSERT statement: well under SQLite's limit of bound values per statement. */
const ROWS_PER_STATEMENT = 500;

/** Appends records in one transaction (retried while another process holds the lock). */
export async function insertAuditEvents(database: Database, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { db, codec } = database;
  const rows: Selectable<AuditEventsTable>[] = events.map((event) => ({
    id: event.id,
    timestamp: codec.time(event.timestamp),
    ...auditEventFields(event),
    metadata: event.metadata === null ? null : JSON.stringify(event.metadata),
  }));
  await database.write(() =>
    db.transaction().execute(async (trx) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
        const insert = trx.insertInto('audit_events').values(rows.slice(start, start + ROWS_PER_STATEMENT));
        // A record already there is this one: a batch whose commit was cut off before its answer
        // (the connection lost) is sent again, and must not fail on its own rows forever.
        await (database.dialect === 'mysql' ? insert.onDuplicateKeyUpdate({ id: sql`id` }) : insert.onConflict((conflict) => conflict.column('id').doNothing())).execute();
      }
    }),
  );
}

/** What GET /manage/audit filters on; every given field must match. */
export interface AuditFilter {
  readonly action?: string;
  readonly actor?: string;
  readonly outcome?: AuditOutcome;
  readonly clientIp?: string;
  readonly projectId?: string;
  readonly tokenId?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly method?: string;
  readonly path?: string;
  /** Substring of any text column (case-insensitive for ASCII). */
  readonly search?: string;
  /** Records at or after this time. */
  readonly from?: Date;
  /** Records at or before this time. */
  readonly to?: Date;
}

const EXACT_MATCHES = [
  ['action', 'action'],
  ['actor', 'actor'],
  ['outcome', 'outcome'],
  ['clientIp', 'client_ip'],
  ['projectId', 'project_id'],
  ['tokenId', 'token_id'],
  ['requestId', 'request_id'],
  ['correlationId', 'correlation_id'],
  ['method', 'method'],
  ['path', 'path'],
] as const satisfies readonly (readonly [keyof AuditFilter, keyof AuditEventsTable])[];

const SEARCHED_COLUMNS = [
  'action',
  'actor',
  'client_ip',
  'project_id',
  'token_id',
  'request_id',
  'correlation_id',
  'method',
  'path',
  'reason',
  'metadata',
] as const satisfies readonly (keyof AuditEventsTable)[];

/** `%`, `_` and the escape character itself, taken literally in a LIKE pattern. */
function likeSubstring(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `!${char}`)}%`;
}

function matching(database: Database, filter: AuditFilter) {
  return (eb: ExpressionBuilder<DatabaseSchema, 'audit_events'>) => {
    const conditions: Expression<SqlBool>[] = [];
    for (const [field, column] of EXACT_MATCHES) {
      const value = filter[field];
      if (value !== undefined) conditions.push(eb(column, '=', value));
    }
    if (filter.from !== undefined) conditions.push(eb('timestamp', '>=', database.codec.time(filter.from)));
    if (filter.to !== undefined) conditions.push(eb('timestamp', '<=', database.codec.time(filter.to)));
    if (filter.search !== undefined) {
      const pattern = likeSubstring(filter.search);
      // LIKE ignores ASCII case on SQLite and with MySQL's default collations; PostgreSQL needs ILIKE.
      const like = database.dialect === 'postgres' ? sql`ilike` : sql`like`;
      conditions.push(eb.or(SEARCHED_COLUMNS.map((column) => sql<SqlBool>`${sql.ref(column)} ${like} ${pattern} escape '!'`)));
    }
    return eb.and(conditions);
  };
}

export interface AuditPage {
  /** Newest first. */
  readonly events: AuditEvent[];
  /** How many records match the filter, on every page. */
  readonly totalCount: number;
}

/** One page of matching records, newest first (idx_audit_timestamp serves the order). */
export async function listAuditEvents(
  database: Database,
  filter: AuditFilter,
  page: { readonly offset: number; readonly limit: number },
): Promise<AuditPage> {
  const { db } = database;
  const where = matching(database, filter);
  const { total } = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where(where)
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { events: rows.map(toAuditEvent), totalCount: Number(total) };
}

export async function findAuditEvent({ db }: Database, id: string): Promise<AuditEvent | undefined> {
  const row = await db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toAuditEvent(row);
}
