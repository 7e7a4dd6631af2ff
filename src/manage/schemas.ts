import { z } from 'zod';
import { apiKeyProblem } from '../security/index.js';

/** Request and response shapes of the management API (the Go original's JSON field names). */

const MAX_DURATION_HOURS = 24 * 365;
const MIN_DURATION_HOURS = 1 / 60;

export const projectIdParams = z.object({ id: z.string().min(1).max(128) });
export const tokenIdParams = z.object({
  id: z.string().min(1).max(128).describe("The token's id, or the token string itself"),
});

/** An upstream key must travel in an HTTP header: refused here, with the reason, rather than at the first proxied call. */
function headerSafeKey(key: string, context: z.RefinementCtx): void {
  const problem = key === '' ? undefined : apiKeyProblem(key);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: `api_key ${problem}` });
}

// Visible ASCII only: the value travels as an upstream header (OpenAI ids look like org-… / proj_…).
const HEADER_SAFE_ID = /^[\x21-\x7e]*$/;

/** An OpenAI organization or project id sent upstream for the project; null or "" = none. */
function openAiId(field: string, example: string) {
  return z
    .string()
    .trim()
    .max(255, `${field} must be at most 255 characters`)
    .regex(HEADER_SAFE_ID, `${field} must be printable ASCII without spaces (an id such as ${example}): it is sent as an HTTP header`)
    .nullable()
    .optional();
}

const openAiIds = {
  openai_organization: openAiId('openai_organization', 'org-…').describe(
    'Sent upstream as OpenAI-Organization with the key (a client cannot choose it); null or "" = none',
  ),
  openai_project: openAiId('openai_project', 'proj_…').describe(
    'Sent upstream as OpenAI-Project with the key (a client cannot choose it); null or "" = none',
  ),
};

/** An optional requests-per-minute limit; 0 or null = none. */
const requestsPerMinute = (whose: string) =>
  z
    .number()
    .int('requests_per_minute must be a whole number')
    .min(0, 'requests_per_minute must be >= 0')
    .nullable()
    .optional()
    .describe(`Requests per minute ${whose} may make, across all instances (fixed one-minute windows); 0 or null = no limit`);

export const createProjectBody = z.strictObject({
  name: z.string().trim().min(1, 'name must not be empty').max(255),
  api_key: z.string().trim().min(1, 'api_key must not be empty').superRefine(headerSafeKey),
  ...openAiIds,
  requests_per_minute: requestsPerMinute('all tokens of the project together'),
});

export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1, 'name must not be empty').max(255).optional(),
    api_key: z.string().trim().superRefine(headerSafeKey).optional().describe('Empty keeps the current key'),
    ...openAiIds,
    requests_per_minute: requestsPerMinute('all tokens of the project together'),
    is_active: z.boolean().optional(),
    revoke_tokens: z.boolean().optional().describe('With is_active=false: also revoke every token of the project'),
  })
  .refine((body) => body.revoke_tokens !== true || body.is_active === false, {
    message: 'revoke_tokens requires is_active=false',
    path: ['revoke_tokens'],
  })
  .refine(
    (body) =>
      body.name !== undefined ||
      (body.api_key ?? '') !== '' ||
      body.is_active !== undefined ||
      body.openai_organization !== undefined ||
      body.openai_project !== undefined ||
      body.requests_per_minute !== undefined,
    {
    message: 'nothing to update: give name, api_key, openai_organization, openai_project, requests_per_minute or is_active',
    },
  );

export const createTokenBody = z
  .strictObject({
    project_id: z.string().min(1, 'project_id is required'),
    // A lifetime under a minute is a token expired before anyone can use it.
    duration_hours: z
      .number()
      .min(MIN_DURATION_HOURS, 'duration_hours must be at least 1/60 (one minute)')
      .max(MAX_DURATION_HOURS, 'duration_hours must be at most 8760 (one year)')
      .optional(),
    duration_minutes: z
      .number()
      .int('duration_minutes must be a whole number of minutes (at least 1)')
      .min(1, 'duration_minutes must be at least 1 (one minute)')
      .max(MAX_DURATION_HOURS * 60, 'duration_minutes must be at most 525600 (one year)')
      .optional(),
    max_requests: z.number().int().min(0, 'max_requests must be >= 0').nullable().optional().describe('0 or null = unlimited'),
    requests_per_minute: requestsPerMinute('the token'),
  })
  .refine((body) => body.duration_hours === undefined || body.duration_minutes === undefined, {
    message: 'give duration_hours or duration_minutes, not both',
  });

export const updateTokenBody = z
  .strictObject({
    is_active: z.boolean().optional(),
    max_requests: z.number().int().min(0, 'max_requests must be >= 0').nullable().optional().describe('0 or null = unlimited'),
    requests_per_minute: requestsPerMinute('the token'),
  })
  .refine((body) => body.is_active !== undefined || body.max_requests !== undefined || body.requests_per_minute !== undefined, {
    message: 'nothing to update: give is_active, max_requests or requests_per_minute',
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
  api_key: z.string().describe('Last 4 characters only (****WXYZ): the key is never returned in clear'),
  openai_organization: z.string().nullable().describe('Sent upstream as OpenAI-Organization, or null'),
  openai_project: z.string().nullable().describe('Sent upstream as OpenAI-Project, or null'),
  requests_per_minute: z.number().int().nullable().describe('Requests per minute of all its tokens together, or null (no limit)'),
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
  requests_per_minute: z.number().int().nullable().describe('Requests per minute, or null (no limit)'),
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
  requests_per_minute: z.number().int().nullable(),
  created_at: timestamp,
});

export const deletedProjectResponse = z.object({ id: z.string(), deleted: z.literal(true), tokens_deleted: z.number().int() });

export const bulkRevokeResponse = z.object({
  revoked_count: z.number().int(),
  already_revoked_count: z.number().int(),
  total_tokens: z.number().int(),
});

export const purgeCacheQuery = z.object({
  project_id: z.string().min(1, 'must not be empty').max(128).optional().describe('Only the answers stored for this project'),
  key: z
    .string()
    .min(1, 'must not be empty')
    .max(128)
    .optional()
    .describe('Only the entry of this X-PROXY-CACHE-KEY value (any prefix of the hash works too)'),
});

export const purgedCacheResponse = z.object({ deleted: z.number().int().describe('How many stored answers were removed') });

const projectCacheStats = z.object({ hits: z.number().int(), misses: z.number().int(), stores: z.number().int() });

export const cacheStatsResponse = z.object({
  backend: z.string().describe('in-memory or redis'),
  entries: z.number().int(),
  bytes: z.number().int(),
  evictions: z.number().int(),
  hits: z.number().int(),
  misses: z.number().int(),
  bypasses: z.number().int(),
  stores: z.number().int(),
  coalesced_waits: z.number().int().describe('Requests that waited for an identical one in flight instead of calling upstream'),
  backend_errors: z.number().int(),
  by_project: z.record(z.string(), projectCacheStats).describe('Hits, misses and stores of this process, by project id'),
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
export type PurgedCacheResponse = z.infer<typeof purgedCacheResponse>;
export type CacheStatsResponse = z.infer<typeof cacheStatsResponse>;
export type PurgeCacheQuery = z.input<typeof purgeCacheQuery>;
export type CreateProjectBody = z.input<typeof createProjectBody>;
export type UpdateProjectBody = z.input<typeof updateProjectBody>;
export type CreateTokenBody = z.input<typeof createTokenBody>;
export type UpdateTokenBody = z.input<typeof updateTokenBody>;
