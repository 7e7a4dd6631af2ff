import type { CreatedTokenResponse, ProjectResponse, TokenResponse } from '../../manage-client/index.js';
import { formatFittedTable, type FitColumn } from '../fit-table.js';
import { formatDetails, formatTime } from '../format.js';

function perMinute(limit: number): string {
  return `${limit} requests/minute`;
}

export function projectDetails(project: ProjectResponse): string {
  return formatDetails([
    ['ID', project.id],
    ['Name', project.name],
    ['Active', project.is_active ? 'yes' : `no (since ${formatTime(project.deactivated_at)})`],
    ['API key', project.api_key],
    ...(project.openai_organization ? [['OpenAI organization', project.openai_organization] as const] : []),
    ...(project.openai_project ? [['OpenAI project', project.openai_project] as const] : []),
    ...(project.requests_per_minute === null ? [] : [['Rate limit', perMinute(project.requests_per_minute)] as const]),
    ['Created', formatTime(project.created_at)],
    ['Updated', formatTime(project.updated_at)],
  ]);
}

/** A time in a table: `2026-11-27 16:30` (the header says UTC). */
function tableTime(iso: string | null): string {
  return iso === null ? '-' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

const PROJECT_COLUMNS: readonly FitColumn<ProjectResponse>[] = [
  { header: 'ID', cell: (p) => p.id },
  { header: 'NAME', cell: (p) => p.name, minWidth: 12 },
  { header: 'ACTIVE', cell: (p) => (p.is_active ? 'yes' : 'no') },
  { header: 'API KEY', cell: (p) => p.api_key, dropOrder: 3 },
  { header: 'CREATED (UTC)', cell: (p) => tableTime(p.created_at), dropOrder: 2 },
  { header: 'UPDATED (UTC)', cell: (p) => tableTime(p.updated_at), dropOrder: 1 },
];

/** Projects, as wide as `maxWidth` allows (Infinity: every column). */
export function projectTable(projects: readonly ProjectResponse[], maxWidth: number): string {
  return formatFittedTable(PROJECT_COLUMNS, projects, maxWidth);
}

const STATUS_WORDS: Record<TokenResponse['status'], string> = {
  active: 'active',
  revoked: 'revoked',
  expired: 'expired',
  exhausted: 'exhausted',
  project_inactive: 'inactive (project)',
};

/** What the proxy does with the token now (the API's effective status, in words). */
export function tokenStatus(token: TokenResponse): string {
  return STATUS_WORDS[token.status];
}

function requestsUsed(token: TokenResponse): string {
  return `${token.request_count}/${token.max_requests ?? '∞'}`;
}

const TOKEN_COLUMNS: readonly FitColumn<TokenResponse>[] = [
  { header: 'ID', cell: (t) => t.id },
  { header: 'TOKEN', cell: (t) => t.token, dropOrder: 4 },
  { header: 'PROJECT', cell: (t) => t.project_name, minWidth: 10 },
  { header: 'STATUS', cell: tokenStatus },
  { header: 'USED', cell: requestsUsed, isRightAligned: true, dropOrder: 5 },
  { header: 'CACHE HITS', cell: (t) => String(t.cache_hit_count), isRightAligned: true, dropOrder: 1 },
  { header: 'EXPIRES (UTC)', cell: (t) => tableTime(t.expires_at), dropOrder: 6 },
  { header: 'LAST USED (UTC)', cell: (t) => tableTime(t.last_used_at), dropOrder: 2 },
];

/** Tokens, as wide as `maxWidth` allows (Infinity: every column). */
export function tokenTable(tokens: readonly TokenResponse[], maxWidth: number): string {
  return formatFittedTable(TOKEN_COLUMNS, tokens, maxWidth);
}

export function tokenDetails(token: TokenResponse): string {
  return formatDetails([
    ['ID', token.id],
    ['Token', token.token],
    ['Project', `${token.project_name} (${token.project_id})`],
    ['Status', tokenStatus(token)],
    ['Requests', requestsUsed(token)],
    ...(token.requests_per_minute === null ? [] : [['Rate limit', perMinute(token.requests_per_minute)] as const]),
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
      ...(created.requests_per_minute === null ? [] : [['Rate limit', perMinute(created.requests_per_minute)] as const]),
    ]) + '\nThe token is shown only this once: store it now. Use it as the API key of any OpenAI client pointed at this proxy.\n'
  );
}
