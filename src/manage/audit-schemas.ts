import { z } from 'zod';
import { AUDIT_OUTCOMES } from '../audit/index.js';

/** Query and response shapes of /manage/audit (the Go original's names). */

export const MAX_AUDIT_PAGE_SIZE = 100;
const DEFAULT_AUDIT_PAGE_SIZE = 20;

const wholeNumber = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a whole number, 1 or more')
  .transform(Number);

const time = z
  .string()
  .refine((text) => /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(Date.parse(text)), 'must be an RFC 3339 time such as 2026-01-31T09:00:00Z')
  .transform((text) => new Date(text));

const exact = (what: string) => z.string().min(1).max(255).optional().describe(`Only records whose ${what} is exactly this`);

export const auditQuery = z.object({
  action: exact('action (project.create, token.revoke, management.auth, …)'),
  actor: exact('actor (management:****WXYZ, anonymous)'),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  client_ip: exact('client IP'),
  project_id: exact('project id'),
  token_id: exact('token id'),
  request_id: exact('request id (the X-Request-ID of the management call)'),
  correlation_id: exact('correlation id'),
  method: exact('HTTP method'),
  path: exact('request path'),
  search: z.string().min(1).max(255).optional().describe('Substring of the action, actor, IP, ids, method, path, reason or metadata'),
  start_time: time.optional().describe('Records at or after this time (RFC 3339)'),
  end_time: time.optional().describe('Records at or before this time (RFC 3339)'),
  page: wholeNumber.default(1).describe('Page number, from 1'),
  page_size: wholeNumber
    .default(DEFAULT_AUDIT_PAGE_SIZE)
    .transform((size) => Math.min(size, MAX_AUDIT_PAGE_SIZE))
    .describe(`Records per page (default ${DEFAULT_AUDIT_PAGE_SIZE}; more than ${MAX_AUDIT_PAGE_SIZE} is taken as ${MAX_AUDIT_PAGE_SIZE})`),
});

export const auditIdParams = z.object({ id: z.string().min(1).max(128) });

const optionalText = z.string().nullable();

export const auditEventResponse = z.object({
  id: z.string(),
  timestamp: z.string().describe('RFC 3339 time, UTC'),
  action: z.string(),
  actor: z.string().describe('management:****WXYZ (last 4 characters of the management token used), or anonymous for a refused one'),
  outcome: z.enum(AUDIT_OUTCOMES),
  project_id: optionalText,
  token_id: optionalText.describe("The token's id, never the token"),
  request_id: optionalText,
  correlation_id: optionalText,
  client_ip: optionalText,
  method: optionalText,
  path: optionalText.describe('Tokens in the path are redacted'),
  user_agent: optionalText,
  reason: optionalText.describe('Why it failed or was refused (the error message the caller got)'),
  metadata: z.record(z.string(), z.unknown()).nullable().describe("The action's details: names, counts, changed fields"),
});

export const auditListResponse = z.object({
  events: auditEventResponse.array(),
  pagination: z.object({
    page: z.number().int(),
    page_size: z.number().int(),
    total_count: z.number().int(),
    total_pages: z.number().int(),
    has_next: z.boolean(),
    has_prev: z.boolean(),
  }),
});

export type AuditEventResponse = z.infer<typeof auditEventResponse>;
export type AuditListResponse = z.infer<typeof auditListResponse>;
export type AuditQuery = z.input<typeof auditQuery>;
