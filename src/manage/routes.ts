import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { HttpCache } from '../cache/index.js';
import { ProxyError } from '../errors.js';
import { auditRoutes } from './audit-routes.js';
import { installAuditRecording, noteAccessDenied, noteAudit, type AuditRecordingOptions } from './audit-recording.js';
import { cacheRoutes } from './cache-routes.js';
import { eventRoutes, type LiveEventsOptions } from './event-routes.js';
import { usageRoutes } from './usage-routes.js';
import { createSecretMatcher } from '../security/index.js';
import {
  deleteProject,
  findProject,
  listProjects,
  listTokens,
  revokeProjectTokens,
  updateProject,
  updateToken,
  type Token,
  type UsageDays,
  type UsageLedger,
  type UsageWriter,
} from '../store/index.js';
import { DEFAULT_TOKEN_HOURS, assertUsableApiKey, createProject, findTokenByIdOrSecret, issueToken, nameTakenOr, type OperationDeps } from './operations.js';
import { presentProject, presentToken } from './presenters.js';
import {
  bulkRevokeResponse,
  createProjectBody,
  createTokenBody,
  createdTokenResponse,
  deletedProjectResponse,
  errorResponse,
  listTokensQuery,
  projectIdParams,
  projectResponse,
  tokenIdParams,
  tokenResponse,
  updateProjectBody,
  updateTokenBody,
} from './schemas.js';

/** What the management routes need besides the store: invalidation of the proxy's token caches. */
export interface ManageRoutesOptions extends OperationDeps {
  readonly managementToken: string;
  readonly usage: UsageWriter;
  readonly invalidateToken: (tokenId: string) => void;
  readonly invalidateProject: (projectId: string) => void;
  readonly tokenCreated: () => void;
  /** The response cache behind /manage/cache; undefined when HTTP_CACHE_ENABLED=false. */
  readonly cache?: HttpCache | undefined;
  /** The bus behind GET /manage/events; without it the route is not there. */
  readonly liveEvents?: LiveEventsOptions;
  /** The usage ledger behind /manage/usage. */
  readonly ledger: UsageLedger;
  /** The ledger's sums by day, settled days kept in memory. */
  readonly usageDays: UsageDays;
  /** Where and how management actions are recorded (the management token comes from above). */
  readonly audit: Omit<AuditRecordingOptions, 'managementToken'>;
}

const HOUR_MS = 3_600_000;

/** An optional id of an update body: undefined keeps the stored one, null or "" clears it. */
const clearedWhenEmpty = (value: string | null | undefined): string | null | undefined => (value === '' ? null : value);
/** A limit as given to the API: undefined = unchanged, 0 or null = no limit. */
const limitChange = (value: number | null | undefined): number | null | undefined => (value === undefined ? undefined : value || null);
const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse };
const security = [{ bearerAuth: [] }];

/** Why a management request's credentials were refused, in words for the audit log (never the value sent). */
function refusalOf(header: string, isBearer: boolean): string {
  if (header === '') return 'no Authorization header';
  return isBearer ? 'wrong management token' : 'not a Bearer token';
}

/**
 * `/manage/*`: projects, tokens, the response cache, the usage ledger and the audit log, behind
 * `Authorization: Bearer <MANAGEMENT_TOKEN>`. Every change and every refused token is recorded
 * in the audit log (see audit-recording.ts).
 */
export async function manageRoutes(parent: FastifyInstance, options: ManageRoutesOptions): Promise<void> {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const { database, cipher, usage } = options;
  const isManagementToken = createSecretMatcher(options.managementToken);

  installAuditRecording(parent, { ...options.audit, managementToken: options.managementToken });
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id); // names the call's audit record
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const isBearer = space !== -1 && header.slice(0, space).toLowerCase() === 'bearer';
    if (!isBearer || !isManagementToken(header.slice(space + 1).trim())) {
      noteAccessDenied(request, refusalOf(header, isBearer));
      throw new ProxyError('invalid_management_token');
    }
  });

  async function requireProject(id: string) {
    const project = await findProject(database, id);
    if (!project) throw new ProxyError('project_not_found', `project ${id} not found`);
    return project;
  }

  async function requireToken(idOrToken: string) {
    await usage.flush(); // counts written behind show up exactly
    const token = await findTokenByIdOrSecret(database, idOrToken);
    if (!token) throw new ProxyError('not_found', 'token not found');
    return token;
  }

  /** requireToken, with the token and its project named in the request's audit record. */
  async function requireAuditedToken(request: FastifyRequest, idOrToken: string) {
    const token = await requireToken(idOrToken);
    noteAudit(request, { tokenId: token.id, projectId: token.projectId });
    return token;
  }

  /** A token as the API shows it, with its project's name and its effective status. */
  async function showToken(token: Token) {
    const project = await requireProject(token.projectId);
    return presentToken(token, project, options.now());
  }

  app.get(
    '/manage/projects',
    { config: { audit: 'project.list' }, schema: { tags: ['projects'], summary: 'List projects', security, response: { 200: projectResponse.array(), ...errors } } },
    async () => (await listProjects(database)).map((project) => presentProject(project, cipher)),
  );

  app.post(
    '/manage/projects',
    {
      config: { audit: 'project.create' },
      schema: {
        tags: ['projects'],
        summary: 'Create a project holding an upstream API key',
        security,
        body: createProjectBody,
        response: { 201: projectResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { name, api_key: apiKey, openai_organization: openaiOrganization, openai_project: openaiProject, requests_per_minute: requestsPerMinute } = request.body;
      noteAudit(request, { metadata: { project_name: name } });
      const project = await createProject(options, { name, apiKey, openaiOrganization, openaiProject, requestsPerMinute });
      noteAudit(request, { projectId: project.id });
      return reply.code(201).send(presentProject(project, cipher));
    },
  );

  app.get(
    '/manage/projects/:id',
    {
      config: { audit: 'project.read' },
      schema: { tags: ['projects'], summary: 'Get a project', security, params: projectIdParams, response: { 200: projectResponse, ...errors } },
    },
    async (request) => {
      noteAudit(request, { projectId: request.params.id });
      return presentProject(await requireProject(request.params.id), cipher);
    },
  );

  app.patch(
    '/manage/projects/:id',
    {
      config: { audit: 'project.update' },
      schema: {
        tags: ['projects'],
        summary: 'Rename, change the key or OpenAI ids of, or (de)activate a project',
        security,
        params: projectIdParams,
        body: updateProjectBody,
        response: { 200: projectResponse, ...errors },
      },
    },
    async (request) => {
      const { name, api_key: apiKey, is_active: isActive, revoke_tokens: revokeTokens } = request.body;
      // The names of the fields sent, never their values (api_key among them).
      noteAudit(request, { projectId: request.params.id, metadata: { updated_fields: Object.keys(request.body) } });
      if (apiKey) assertUsableApiKey(apiKey);
      const now = options.now();
      const project = await updateProject(
        database,
        request.params.id,
        {
          name,
          isActive,
          storedApiKey: apiKey ? cipher.encrypt(apiKey) : undefined,
          openaiOrganization: clearedWhenEmpty(request.body.openai_organization),
          openaiProject: clearedWhenEmpty(request.body.openai_project),
          requestsPerMinute: limitChange(request.body.requests_per_minute),
        },
        now,
      ).catch((error: unknown) => {
        throw nameTakenOr(error, name);
      });
      if (!project) throw new ProxyError('project_not_found', `project ${request.params.id} not found`);
      noteAudit(request, { metadata: { project_name: project.name, is_active: project.isActive } });
      if (revokeTokens) {
        const revoked = await revokeProjectTokens(database, project.id, now);
        noteAudit(request, { metadata: { tokens_revoked: revoked.revokedCount } });
      }
      options.invalidateProject(project.id);
      return presentProject(project, cipher);
    },
  );

  app.delete(
    '/manage/projects/:id',
    {
      config: { audit: 'project.delete' },
      schema: {
        tags: ['projects'],
        summary: 'Delete a project and all of its tokens',
        security,
        params: projectIdParams,
        response: { 200: deletedProjectResponse, ...errors },
      },
    },
    async (request) => {
      noteAudit(request, { projectId: request.params.id });
      // Its name, while it still has one: the record outlives the project.
      const name = (await findProject(database, request.params.id))?.name;
      if (name !== undefined) noteAudit(request, { metadata: { project_name: name } });
      const { deleted, tokensDeleted } = await deleteProject(database, request.params.id);
      if (!deleted) throw new ProxyError('project_not_found', `project ${request.params.id} not found`);
      noteAudit(request, { metadata: { tokens_deleted: tokensDeleted } });
      options.invalidateProject(request.params.id);
      return { id: request.params.id, deleted: true as const, tokens_deleted: tokensDeleted };
    },
  );

  app.post(
    '/manage/projects/:id/tokens/revoke',
    {
      config: { audit: 'token.revoke_batch' },
      schema: {
        tags: ['projects'],
        summary: 'Revoke every token of a project',
        security,
        params: projectIdParams,
        response: { 200: bulkRevokeResponse, ...errors },
      },
    },
    async (request) => {
      noteAudit(request, { projectId: request.params.id });
      const project = await requireProject(request.params.id);
      const result = await revokeProjectTokens(database, project.id, options.now());
      noteAudit(request, {
        metadata: {
          project_name: project.name,
          total_tokens: result.totalTokens,
          revoked_count: result.revokedCount,
          already_revoked_count: result.alreadyRevokedCount,
        },
      });
      options.invalidateProject(project.id);
      return {
        revoked_count: result.revokedCount,
        already_revoked_count: result.alreadyRevokedCount,
        total_tokens: result.totalTokens,
      };
    },
  );

  app.get(
    '/manage/tokens',
    {
      config: { audit: 'token.list' },
      schema: {
        tags: ['tokens'],
        summary: 'List tokens (never their secrets)',
        security,
        querystring: listTokensQuery,
        response: { 200: tokenResponse.array(), ...errors },
      },
    },
    async (request) => {
      await usage.flush();
      const projectId = request.query.project_id ?? request.query.projectId;
      const tokens = await listTokens(database, { projectId, activeOnly: request.query.active_only ?? request.query.activeOnly ?? false, now: options.now() });
      // One project's tokens need that project only, not all of them (1,000 rows read and decoded).
      const listed = projectId === undefined ? await listProjects(database) : [await findProject(database, projectId)].filter((project) => project !== undefined);
      const projects = new Map(listed.map((project) => [project.id, project]));
      const now = options.now();
      // Tokens go with their project (deleted together), so each one finds it.
      return tokens.flatMap((token) => {
        const project = projects.get(token.projectId);
        return project ? [presentToken(token, project, now)] : [];
      });
    },
  );

  app.post(
    '/manage/tokens',
    {
      config: { audit: 'token.create' },
      schema: {
        tags: ['tokens'],
        summary: 'Mint a withering token for a project',
        description: 'Duration in duration_hours (default 24) or duration_minutes. The token is returned this once.',
        security,
        body: createTokenBody,
        response: { 201: createdTokenResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { project_id: projectId, duration_hours: hours, duration_minutes: minutes, max_requests: maxRequests, requests_per_minute: requestsPerMinute } = request.body;
      const durationMs = minutes !== undefined ? minutes * 60_000 : (hours ?? DEFAULT_TOKEN_HOURS) * HOUR_MS;
      noteAudit(request, { projectId, metadata: { duration_minutes: durationMs / 60_000 } });
      const { token, plaintext } = await issueToken(options, { projectId, durationMs, maxRequests: maxRequests ?? null, requestsPerMinute });
      noteAudit(request, {
        tokenId: token.id,
        metadata: {
          token_hint: token.hint,
          expires_at: token.expiresAt?.toISOString() ?? null,
          max_requests: token.maxRequests,
          ...(token.requestsPerMinute !== null && { requests_per_minute: token.requestsPerMinute }),
        },
      });
      options.tokenCreated();
      return reply.code(201).send({
        id: token.id,
        token: plaintext,
        token_hint: token.hint,
        project_id: token.projectId,
        expires_at: token.expiresAt?.toISOString() ?? null,
        max_requests: token.maxRequests,
        requests_per_minute: token.requestsPerMinute,
        created_at: token.createdAt.toISOString(),
      });
    },
  );

  app.get(
    '/manage/tokens/:id',
    {
      config: { audit: 'token.read' },
      schema: { tags: ['tokens'], summary: 'Get a token by id or by the token itself', security, params: tokenIdParams, response: { 200: tokenResponse, ...errors } },
    },
    async (request) => showToken(await requireAuditedToken(request, request.params.id)),
  );

  app.patch(
    '/manage/tokens/:id',
    {
      config: { audit: 'token.update' },
      schema: {
        tags: ['tokens'],
        summary: 'Reactivate/deactivate a token or change its max_requests or requests_per_minute',
        security,
        params: tokenIdParams,
        body: updateTokenBody,
        response: { 200: tokenResponse, ...errors },
      },
    },
    async (request) => {
      const current = await requireAuditedToken(request, request.params.id);
      const { is_active: isActive, max_requests: maxRequests, requests_per_minute: requestsPerMinute } = request.body;
      noteAudit(request, {
        metadata: {
          ...(isActive !== undefined && { updated_is_active: isActive }),
          ...(maxRequests !== undefined && { updated_max_requests: maxRequests || 'unlimited' }),
          ...(requestsPerMinute !== undefined && { updated_requests_per_minute: requestsPerMinute || 'unlimited' }),
        },
      });
      const updated = await updateToken(
        database,
        current.id,
        { isActive, maxRequests: limitChange(maxRequests), requestsPerMinute: limitChange(requestsPerMinute) },
        options.now(),
      );
      options.invalidateToken(current.id);
      if (!updated) throw new ProxyError('not_found', 'token not found');
      return showToken(updated);
    },
  );

  app.delete(
    '/manage/tokens/:id',
    {
      config: { audit: 'token.revoke' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token (it stops working on the next request)',
        security,
        params: tokenIdParams,
        response: { 200: tokenResponse, ...errors },
      },
    },
    async (request) => {
      const current = await requireAuditedToken(request, request.params.id);
      noteAudit(request, { metadata: { already_revoked: !current.isActive } });
      const revoked = await updateToken(database, current.id, { isActive: false }, options.now());
      options.invalidateToken(current.id);
      if (!revoked) throw new ProxyError('not_found', 'token not found');
      return showToken(revoked);
    },
  );

  cacheRoutes(parent, options.cache);
  if (options.liveEvents) eventRoutes(parent, options.liveEvents);
  usageRoutes(parent, { database, ledger: options.ledger, usageDays: options.usageDays, now: options.now });
  auditRoutes(parent, database, options.audit.log);
}
