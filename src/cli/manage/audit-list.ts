import type { AuditEventResponse } from '../../manage-client/index.js';
import { formatFittedTable, type FitColumn } from '../fit-table.js';
import { writeJson, writeLine, type Io } from '../io.js';
import { MAX_AUDIT_LIMIT, type AuditSince } from './audit-options.js';
import { manageClientFor, tableWidth, type ManageGlobalOptions } from './context.js';

export interface AuditListOptions extends ManageGlobalOptions {
  readonly action?: string;
  readonly projectId?: string;
  readonly outcome?: string;
  readonly since: AuditSince;
  readonly limit: number;
}

/** `2026-11-27 16:30:05` (the header says UTC). */
const tableTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

const AUDIT_COLUMNS: readonly FitColumn<AuditEventResponse>[] = [
  { header: 'TIME (UTC)', cell: (e) => tableTime(e.timestamp) },
  { header: 'ACTION', cell: (e) => e.action },
  { header: 'OUTCOME', cell: (e) => e.outcome },
  { header: 'ACTOR', cell: (e) => e.actor, dropOrder: 3 },
  { header: 'CLIENT IP', cell: (e) => e.client_ip ?? '-', dropOrder: 4 },
  { header: 'PROJECT', cell: (e) => e.project_id ?? '-', minWidth: 8, dropOrder: 2 },
  { header: 'REASON', cell: (e) => e.reason ?? '-', minWidth: 12, dropOrder: 5 },
  { header: 'ID', cell: (e) => e.id, dropOrder: 1 },
];

export async function runAuditList(options: AuditListOptions, io: Io): Promise<void> {
  const since = 'at' in options.since ? options.since.at : new Date(Date.now() - options.since.agoMs);
  const page = await manageClientFor(options).listAuditEvents({
    action: options.action,
    projectId: options.projectId,
    outcome: options.outcome,
    since,
    pageSize: options.limit,
  });
  if (options.json) return writeJson(io, page);
  const when = 'at' in options.since ? `since ${options.since.text}` : `in the last ${options.since.text}`;
  if (page.events.length === 0) {
    writeLine(io.stdout, `No audit records ${when} match (--since 30d looks further back).`);
    return;
  }
  io.stdout.write(formatFittedTable(AUDIT_COLUMNS, page.events, tableWidth(io, options)));
  const total = page.pagination.total_count;
  if (total > page.events.length) {
    writeLine(io.stdout, `${page.events.length} of ${total} records ${when}, newest first (--limit up to ${MAX_AUDIT_LIMIT}, or narrow with --action, --outcome, --project-id).`);
  }
}
