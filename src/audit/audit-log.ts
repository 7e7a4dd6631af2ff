import { auditEventFields, type AuditEvent, type AuditOutcome, type AuditWriter } from '../store/index.js';
import type { AuditAction } from './audit-actions.js';
import { createAuditId } from './audit-id.js';
import type { AuditFile } from './audit-file.js';

/** What a caller tells about one action; the log adds the id and the time. */
export interface AuditEntry {
  readonly action: AuditAction;
  readonly actor: string;
  readonly outcome: AuditOutcome;
  readonly projectId?: string | null;
  readonly tokenId?: string | null;
  readonly requestId?: string | null;
  readonly clientIp?: string | null;
  readonly method?: string | null;
  readonly path?: string | null;
  readonly userAgent?: string | null;
  readonly reason?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/** What the audit log did since the start (GET /metrics). */
export interface AuditLogStats {
  /** Records made. */
  readonly records: number;
  /** Records the file did not get: it failed, or the disk was too slow for too long. */
  readonly fileDropped: number;
  /** Records the database did not get: it refused them (a lock held by another process) for too long. */
  readonly databaseDropped: number;
  /** Database writes that failed; their records wait for the next write. */
  readonly databaseWriteFailures: number;
}

/** The audit log: one record per management action, to the file and the database. */
export interface AuditLog {
  /** False when AUDIT_ENABLED=false or AUDIT_STORE_IN_DB=false: GET /manage/audit has nothing to read. */
  readonly storesInDatabase: boolean;
  /** Records an action: never throws, never waits (the file and the database are written behind). */
  record(entry: AuditEntry): void;
  /** Writes the records still in memory: to the file, and to the database (which may wait for its lock). */
  flush(): Promise<void>;
  /** AUDIT_LOG_FILE moved away by logrotate (SIGHUP): continue in a new file by the same path. */
  reopenFile(): void;
  stats(): AuditLogStats;
  close(): Promise<void>;
}

/** A record as the file line and the API show it (snake_case; absent values are null). */
export function auditEventJson(event: AuditEvent) {
  return {
    id: event.id,
    timestamp: event.timestamp.toISOString(),
    ...auditEventFields(event),
    metadata: event.metadata,
  };
}

export interface AuditLogParts {
  readonly file?: AuditFile | undefined;
  readonly writer?: AuditWriter | undefined;
  readonly now: () => Date;
  /** A record that could not be made (a bug): reported, never thrown at the request. */
  readonly onError: (error: unknown) => void;
}

export function createAuditLog({ file, writer, now, onError }: AuditLogParts): AuditLog {
  let records = 0;
  return {
    storesInDatabase: writer !== undefined,
    record(entry) {
      try {
        const timestamp = now();
        const event: AuditEvent = {
          id: createAuditId(timestamp.getTime()),
          timestamp,
          action: entry.action,
          actor: entry.actor,
          outcome: entry.outcome,
          projectId: entry.projectId ?? null,
          tokenId: entry.tokenId ?? null,
          requestId: entry.requestId ?? null,
          correlationId: null,
          clientIp: entry.clientIp ?? null,
          method: entry.method ?? null,
          path: entry.path ?? null,
          userAgent: entry.userAgent ?? null,
          reason: entry.reason ?? null,
          metadata: entry.metadata ?? null,
        };
        file?.append(JSON.stringify(auditEventJson(event)));
        writer?.add(event);
        records += 1;
      } catch (error) {
        onError(error);
      }
    },
    async flush() {
      await file?.flush();
      await writer?.flush();
    },
    reopenFile() {
      file?.reopen();
    },
    stats: () => ({
      records,
      fileDropped: file?.droppedCount ?? 0,
      databaseDropped: writer?.droppedCount ?? 0,
      databaseWriteFailures: writer?.failedWrites ?? 0,
    }),
    async close() {
      try {
        await writer?.close();
      } finally {
        await file?.close();
      }
    },
  };
}

/** AUDIT_ENABLED=false: nothing is recorded. */
export const disabledAuditLog: AuditLog = {
  storesInDatabase: false,
  record() {},
  flush: async () => undefined,
  reopenFile() {},
  stats: () => ({ records: 0, fileDropped: 0, databaseDropped: 0, databaseWriteFailures: 0 }),
  close: async () => undefined,
};
