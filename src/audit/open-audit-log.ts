import type { Config } from '../config/index.js';
import { createAuditWriter, type Database } from '../store/index.js';
import { openAuditFile } from './audit-file.js';
import { createAuditLog, disabledAuditLog, type AuditLog } from './audit-log.js';

export interface AuditLogDeps {
  readonly database: Database;
  readonly now: () => Date;
  /** Something went wrong behind the requests' back (a write failed, records were dropped). */
  readonly onProblem: (message: string, error?: unknown) => void;
}

/**
 * The audit log the settings ask for: the file (AUDIT_LOG_FILE, opened now: throws
 * AuditLogFileError when it cannot be) and the audit_events table (AUDIT_STORE_IN_DB).
 */
export function openAuditLog(settings: Config['audit'], deps: AuditLogDeps): AuditLog {
  if (!settings.enabled) return disabledAuditLog;
  const file =
    settings.logFile === undefined
      ? undefined
      : openAuditFile(settings.logFile, {
          createDir: settings.createDir,
          onError: (error) => deps.onProblem('audit log file failed: records go to the database only', error),
        });
  const writer = settings.storeInDb
    ? createAuditWriter(deps.database, {
        onError: (error) => deps.onProblem('audit records could not be written to the database yet: retrying', error),
        onDrop: (dropped) => deps.onProblem(`audit records dropped: the database has not taken any for too long (${dropped} so far)`),
      })
    : undefined;
  return createAuditLog({ file, writer, now: deps.now, onError: (error) => deps.onProblem('audit record could not be made', error) });
}
