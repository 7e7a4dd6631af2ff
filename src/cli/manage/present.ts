import type { CreatedTokenResponse, ProjectResponse, TokenResponse } from '../../manage-client/index.js';
import { formatDetails, formatTable, formatTime } from '../format.js';

export function projectDetails(project: ProjectResponse): string {
  return formatDetails([
    ['ID', project.id],
    ['Name', project.name],
    ['Active', project.is_active ? 'yes' : `no (since ${formatTime(project.deactivated_at)})`],
    ['API key', project.api_key],
    ...(project.openai_organization ? [['OpenAI organization', project.openai_organization] as const] : []),
    ...(project.openai_project ? [['OpenAI project', project.openai_project] as const] : []),
    ['Created', formatTime(project.created_at)],
    ['Updated', formatTime(project.updated_at)],
  ]);
}

export function projectTable(projects: readonly ProjectResponse[]): string {
  return formatTable(
    ['ID', 'NAME', 'ACTIVE', 'API KEY', 'CREATED', 'UPDATED'],
    projects.map((p) => [p.id, p.name, p.is_active ? 'yes' : 'no', p.api_key, formatTime(p.created_at), formatTime(p.updated_at)]),
  );
}

/** active, revoked, expired or exhausted (max_requests used up). */
export function tokenStatus(token: TokenResponse, nowMs = Date.now()): string {
  if (!token.is_active) return 'revoked';
  if (token.expires_at !== null && Date.parse(token.expires_at) <= nowMs) return 'expired';
  if (token.max_requests !== null && token.request_count >= token.max_requests) return 'exhausted';
  return 'active';
}

function requestsUsed(token: TokenResponse): string {
  return `${token.request_count}/${token.max_requests ?? '∞'}`;
}

export function tokenTable(tokens: readonly TokenResponse[]): string {
  return formatTable(
    ['ID', 'TOKEN', 'PROJECT', 'STATUS', 'REQUESTS', 'CACHE HITS', 'EXPIRES', 'LAST USED'],
    tokens.map((t) => [
      t.id,
      t.token,
      t.project_id,
      tokenStatus(t),
      requestsUsed(t),
      String(t.cache_hit_count),
      formatTime(t.expires_at),
      formatTime(t.last_used_at),
    ]),
  );
}

export function tokenDetails(token: TokenResponse): string {
  return formatDetails([
    ['ID', token.id],
    ['Token', token.token],
    ['Project', token.project_id],
    ['Status', tokenStatus(token)],
    ['Requests', requestsUsed(token)],
    ['Cache hits', String(token.cache_hit_count)],
    ['Expires', formatTime(token.expires_at)],
    ['Created', formatTime(token.created_at)],
    ['Last used', formatTime(token.last_used_at)],
  ]);
}

export function createdTokenDetails(created: CreatedTokenResponse): string {
  return (
    formatDetails([
      ['Token', created.token],
      ['ID', created.id],
      ['Project', created.project_id],
      ['Expires', formatTime(created.expires_at)],
      ['Max requests', created.max_requests === null ? 'unlimited' : String(created.max_requests)],
    ]) + '\nThe token is shown only this once: store it now. Use it as the API key of any OpenAI client pointed at this proxy.\n'
  );
}
