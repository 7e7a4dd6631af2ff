import { z } from 'zod';

/** Request and response shapes of the management API (the Go original's JSON field names). */

const MAX_DURATION_HOURS = 24 * 365;

export const projectIdParams = z.object({ id: z.string().min(1).max(128) });
export const tokenIdParams = z.object({
  id: z.string().min(1).max(128).describe("The token's id, or the token string itself"),
});

export const createProjectBody = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(255),
  api_key: z.string().trim().min(1, 'api_key must not be empty'),
});

export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1, 'name must not be empty').max(255).optional(),
    api_key: z.string().trim().optional().describe('Empty keeps the current key'),
    is_active: z.boolean().optional(),
    revoke_tokens: z.boolean().optional().describe('With is_active=false: also revoke every token of the project'),
  })
  .refine((body) => body.revoke_tokens !== true || body.is_active === false, {
    message: 'revoke_tokens requires is_active=false',
    path: ['revoke_tokens'],
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined && value !== ''), {
    message: 'nothing to update: give name, api_key or is_active',
  });

export const createTokenBody = z
  .strictObject({
    project_id: z.string().min(1, 'project_id is required'),
    duration_hours: z.number().positive().max(MAX_DURATION_HOURS, 'duration_hours must be at most 8760 (one year)').optional(),
    duration_minutes: z
      .number()
      .int()
      .positive()
      .max(MAX_DURATION_HOURS * 60, 'duration_minutes must be at most 525600 (one year)')
      .optional(),
    max_requests: z.number().int().min(0, 'max_requests must be >= 0').nullable().optional().describe('0 or null = unlimited'),
  })
  .refine((body) => body.duration_hours === undefined || body.duration_minutes === undefined, {
    message: 'give duration_hours or duration_minutes, not both',
  });

export const updateTokenBody = z
  .strictObject({
    is_active: z.boolean().optional(),
    max_requests: z.number().int().min(0, 'max_requests must be >= 0').nullable().optional().describe('0 or null = unlimited'),
  })
  .refine((body) => body.is_active !== undefined || body.max_requests !== undefined, {
    message: 'nothing to update: give is_active or max_requests',
  });

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1')
  .optional();

export const listTokensQuery = z.object({
  project_id: z.string().min(1).optional(),
  projectId: z.string().min(1).optional().describe('Alias of project_id'),
  active_only: flag,
  activeOnly: flag.describe('Alias of active_only'),
});

const timestamp = z.string().describe('RFC 3339 time, UTC');

export const projectResponse = z.object({
  id: z.string(),
  name: z.string(),
  api_key: z.string().describe('Obfuscated: the key is never returned in clear'),
  is_active: z.boolean(),
  deactivated_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const TOKEN_STATUSES = ['active', 'revoked', 'expired', 'exhausted', 'project_inactive'] as const;

export const tokenResponse = z.object({
  id: z.string(),
  token: z.string().describe('Display hint such as sk-AbCd…WxYz; the token itself is shown only at creation'),
  project_id: z.string(),
  project_name: z.string(),
  status: z
    .enum(TOKEN_STATUSES)
    .describe('What the proxy does with the token now: active, or why it refuses it (project_inactive: its project is deactivated)'),
  expires_at: timestamp.nullable(),
  is_active: z.boolean(),
  request_count: z.number().int(),
  max_requests: z.number().int().nullable(),
  cache_hit_count: z.number().int(),
  created_at: timestamp,
  last_used_at: timestamp.nullable(),
  deactivated_at: timestamp.nullable(),
});

export const createdTokenResponse = z.object({
  id: z.string(),
  token: z.string().describe('The withering token: shown this once, store it now'),
  token_hint: z.string(),
  project_id: z.string(),
  expires_at: timestamp.nullable(),
  max_requests: z.number().int().nullable(),
  created_at: timestamp,
});

export const deletedProjectResponse = z.object({ id: z.string(), deleted: z.literal(true), tokens_deleted: z.number().int() });

export const bulkRevokeResponse = z.object({
  revoked_count: z.number().int(),
  already_revoked_count: z.number().int(),
  total_tokens: z.number().int(),
});

export const errorResponse = z.object({
  error: z.object({ message: z.string(), type: z.string(), code: z.string() }),
});

export type ProjectResponse = z.infer<typeof projectResponse>;
export type TokenResponse = z.infer<typeof tokenResponse>;
export type TokenStatus = TokenResponse['status'];
export type CreatedTokenResponse = z.infer<typeof createdTokenResponse>;
export type DeletedProjectResponse = z.infer<typeof deletedProjectResponse>;
export type BulkRevokeResponse = z.infer<typeof bulkRevokeResponse>;
export type CreateProjectBody = z.input<typeof createProjectBody>;
export type UpdateProjectBody = z.input<typeof updateProjectBody>;
export type CreateTokenBody = z.input<typeof createTokenBody>;
export type UpdateTokenBody = z.input<typeof updateTokenBody>;
