import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientIpOf, isReadAction, type AuditAction, type AuditLog, type AuditOutcome } from '../audit/index.js';
import { obfuscateSecret, redactTokens } from '../security/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit action a management route performs; routes without one are not audited. */
    audit?: AuditAction;
  }
  interface FastifyRequest {
    /** What the route and the hooks learnt for its audit record (null until then). */
    auditNote: AuditNote | null;
  }
}

/** The details a route adds to its audit record. */
export interface AuditDetails {
  readonly projectId?: string | null;
  readonly tokenId?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

interface AuditNote {
  projectId: string | null;
  tokenId: string | null;
  metadata: Record<string, unknown>;
  /** Why the management token was refused; the record is then management.auth. */
  deniedReason: string | null;
  /** The error message and code the caller got. */
  errorMessage: string | null;
  errorCode: string | null;
}

function noteOf(request: FastifyRequest): AuditNote {
  request.auditNote ??= { projectId: null, tokenId: null, metadata: {}, deniedReason: null, errorMessage: null, errorCode: null };
  return request.auditNote;
}

/** Adds details to the request's audit record (later calls add to, or replace, earlier ones). */
export function noteAudit(request: FastifyRequest, details: AuditDetails): void {
  const note = noteOf(request);
  if (details.projectId !== undefined) note.projectId = details.projectId;
  if (details.tokenId !== undefined) note.tokenId = details.tokenId;
  if (details.metadata !== undefined) Object.assign(note.metadata, details.metadata);
}

/** The management token was refused: recorded as management.auth / denied, whatever the route. */
export function noteAccessDenied(request: FastifyRequest, reason: string): void {
  noteOf(request).deniedReason = reason;
}

export interface AuditRecordingOptions {
  readonly log: AuditLog;
  /** The management token: its last 4 characters name the actor. */
  readonly managementToken: string;
  /** Record reads (lists and gets) too (AUDIT_READS). */
  readonly recordReads: boolean;
  /** Take the client IP from X-Forwarded-For / X-Real-IP (AUDIT_TRUST_PROXY_HEADERS). */
  readonly trustProxyHeaders: boolean;
  /** The request path as it may be shown: tokens in it redacted. */
  readonly redactPath: (path: string) => string;
}

const MAX_USER_AGENT_CHARS = 512;

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'success';
  if (status === 401) return 'denied';
  return status < 500 ? 'failure' : 'error';
}

/** The message and code of an error body (`{"error":{"message","code"}}`), as the caller got them. */
function errorOf(payload: unknown): { message: string | null; code: string | null } {
  if (typeof payload !== 'string') return { message: null, code: null };
  try {
    const error = (JSON.parse(payload) as { error?: { message?: unknown; code?: unknown } }).error;
    return {
      message: typeof error?.message === 'string' ? error.message : null,
      code: typeof error?.code === 'string' ? error.code : null,
    };
  } catch {
    return { message: null, code: null };
  }
}

/**
 * Records every audited management request once its answer has been sent (onResponse), so the
 * caller never waits on the audit; the log itself writes the file and the database behind.
 * Installed in the management plugin, before its routes.
 */
export function installAuditRecording(app: FastifyInstance, options: AuditRecordingOptions): void {
  const actor = `management:${obfuscateSecret(options.managementToken)}`;
  app.decorateRequest('auditNote', null);

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && (request.routeOptions.config.audit !== undefined || request.auditNote !== null)) {
      const { message, code } = errorOf(payload);
      const note = noteOf(request);
      note.errorMessage = message;
      note.errorCode = code;
    }
    return payload;
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const note = request.auditNote;
    const denied = note?.deniedReason ?? null;
    const routeAction = request.routeOptions.config.audit;
    const action: AuditAction | undefined = denied !== null ? 'management.auth' : routeAction;
    if (action === undefined || (isReadAction(action) && !options.recordReads)) return;
    const status = reply.statusCode;
    const query = request.url.indexOf('?');
    const userAgent = request.headers['user-agent'];
    options.log.record({
      action,
      actor: denied !== null ? 'anonymous' : actor,
      outcome: denied !== null ? 'denied' : outcomeOf(status),
      projectId: note?.projectId,
      tokenId: note?.tokenId,
      requestId: request.id,
      clientIp: clientIpOf(request.headers, request.socket.remoteAddress, options.trustProxyHeaders),
      method: request.method,
      path: options.redactPath(query === -1 ? request.url : request.url.slice(0, query)),
      userAgent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT_CHARS),
      reason: denied ?? (status >= 400 && note?.errorMessage ? redactTokens(note.errorMessage) : null),
      metadata: {
        ...note?.metadata,
        status,
        ...(status >= 400 && note?.errorCode ? { error_code: note.errorCode } : {}),
      },
    });
  });
}
