// The audit log of management actions: what happened, who did it, from where, how it ended.
export { AUDIT_ACTIONS, isReadAction, type AuditAction } from './audit-actions.js';
export { AuditLogFileError, openAuditFile, type AuditFile, type AuditFileOptions } from './audit-file.js';
export { auditEventJson, createAuditLog, disabledAuditLog, type AuditEntry, type AuditLog, type AuditLogStats } from './audit-log.js';
export { clientIpOf } from './client-ip.js';
export { openAuditLog, type AuditLogDeps } from './open-audit-log.js';
export { AUDIT_OUTCOMES, type AuditEvent, type AuditFilter, type AuditOutcome } from '../store/index.js';
