import type {
  AuditEventResponse,
  AuditListResponse,
  BulkRevokeResponse,
  CacheStatsResponse,
  CreateProjectBody,
  CreateTokenBody,
  CreatedTokenResponse,
  DeletedProjectResponse,
  ProjectResponse,
  PurgedCacheResponse,
  TokenResponse,
  UpdateProjectBody,
  UpdateTokenBody,
  UsageGranularity,
  UsageResponse,
} from '../manage/index.js';
import { ManageApiError, ManageUnreachableError, apiErrorOf, networkReason, parseJson } from './errors.js';
import { openManageEventStream } from './event-stream.js';

export { ManageApiError, ManageUnreachableError };

export interface ManageClientOptions {
  readonly baseUrl: string;
  readonly managementToken: string;
  readonly timeoutMs?: number;
}

export interface TokenListFilter {
  readonly projectId?: string;
  readonly activeOnly?: boolean;
}

export interface UsageFilter {
  readonly projectId?: string | undefined;
  readonly tokenId?: string | undefined;
  /** ISO 8601; the server widens the range to whole buckets. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly granularity?: UsageGranularity | undefined;
}

export interface CachePurgeFilter {
  readonly projectId?: string;
  readonly key?: string;
}

/** Filters of GET /manage/audit (the API's names: see AuditQuery). */
export interface AuditListFilter {
  readonly action?: string;
  readonly projectId?: string;
  readonly outcome?: string;
  /** Records at or after this time. */
  readonly since?: Date;
  readonly pageSize?: number;
  readonly page?: number;
}

/** `?a=1&b=2` of the defined values, or "" when there are none. */
function queryString(values: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined) query.set(name, value);
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** Typed client of /manage/*, used by the CLI. */
export function createManageClient(options: ManageClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${options.managementToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ManageUnreachableError(baseUrl, networkReason(error), { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw apiErrorOf(response, text);
    const parsed = parseJson(text);
    if (parsed === undefined && text !== '') {
      throw new ManageApiError(`unexpected non-JSON answer from ${baseUrl}${path}: is this an llm-proxy?`, response.status, undefined);
    }
    return parsed as T;
  }

  const id = encodeURIComponent;
  return {
    /** The server this client talks to, without a trailing slash. */
    baseUrl,
    listProjects: () => call<ProjectResponse[]>('GET', '/manage/projects'),
    getProject: (projectId: string) => call<ProjectResponse>('GET', `/manage/projects/${id(projectId)}`),
    createProject: (body: CreateProjectBody) => call<ProjectResponse>('POST', '/manage/projects', body),
    updateProject: (projectId: string, body: UpdateProjectBody) => call<ProjectResponse>('PATCH', `/manage/projects/${id(projectId)}`, body),
    deleteProject: (projectId: string) => call<DeletedProjectResponse>('DELETE', `/manage/projects/${id(projectId)}`),
    revokeProjectTokens: (projectId: string) => call<BulkRevokeResponse>('POST', `/manage/projects/${id(projectId)}/tokens/revoke`),
    listTokens: (filter: TokenListFilter = {}) =>
      call<TokenResponse[]>('GET', `/manage/tokens${queryString({ project_id: filter.projectId, active_only: filter.activeOnly ? 'true' : undefined })}`),
    getToken: (idOrToken: string) => call<TokenResponse>('GET', `/manage/tokens/${id(idOrToken)}`),
    createToken: (body: CreateTokenBody) => call<CreatedTokenResponse>('POST', '/manage/tokens', body),
    updateToken: (idOrToken: string, body: UpdateTokenBody) => call<TokenResponse>('PATCH', `/manage/tokens/${id(idOrToken)}`, body),
    revokeToken: (idOrToken: string) => call<TokenResponse>('DELETE', `/manage/tokens/${id(idOrToken)}`),
    purgeCache: (filter: CachePurgeFilter = {}) =>
      call<PurgedCacheResponse>('DELETE', `/manage/cache${queryString({ project_id: filter.projectId, key: filter.key })}`),
    cacheStats: () => call<CacheStatsResponse>('GET', '/manage/cache/stats'),
    usage: (filter: UsageFilter = {}) =>
      call<UsageResponse>(
        'GET',
        `/manage/usage${queryString({ project_id: filter.projectId, token_id: filter.tokenId, from: filter.from, to: filter.to, granularity: filter.granularity })}`,
      ),
    listAuditEvents: (filter: AuditListFilter = {}) =>
      call<AuditListResponse>(
        'GET',
        `/manage/audit${queryString({
          action: filter.action,
          project_id: filter.projectId,
          outcome: filter.outcome,
          start_time: filter.since?.toISOString(),
          page: filter.page?.toString(),
          page_size: filter.pageSize?.toString(),
        })}`,
      ),
    getAuditEvent: (eventId: string) => call<AuditEventResponse>('GET', `/manage/audit/${id(eventId)}`),
    /** GET /manage/events: the live stream of proxy events (server-sent events). */
    openEventStream: () => openManageEventStream({ baseUrl, managementToken: options.managementToken }),
  };
}

export type ManageClient = ReturnType<typeof createManageClient>;
