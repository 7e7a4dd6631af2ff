/**
 * What the audit log records. Changes and refused management access always; reads (lists and
 * gets) only with AUDIT_READS=true: they change nothing, and a dashboard polling them would
 * bury the changes.
 */
const AUDIT_ACTION_KINDS = {
  'project.create': 'change',
  'project.update': 'change',
  'project.delete': 'change',
  'token.create': 'change',
  'token.update': 'change',
  'token.revoke': 'change',
  'token.revoke_batch': 'change',
  'cache.purge': 'change',
  /** A management request refused for a missing or wrong management token. */
  'management.auth': 'access',
  /** Admin UI logins (refused ones included) and logouts. */
  'admin.login': 'access',
  'admin.logout': 'access',
  'project.list': 'read',
  'project.read': 'read',
  'token.list': 'read',
  'token.read': 'read',
  'cache.stats': 'read',
  'audit.list': 'read',
  'audit.show': 'read',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTION_KINDS;

export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_KINDS) as AuditAction[];

export function isReadAction(action: AuditAction): boolean {
  return AUDIT_ACTION_KINDS[action] === 'read';
}
