import { obfuscateSecret, type ApiKeyCipher } from '../security/index.js';
import type { Project, Token } from '../store/index.js';
import type { ProjectResponse, TokenResponse, TokenStatus } from './schemas.js';

const iso = (date: Date | null): string | null => date && date.toISOString();

/** A project as the API shows it: its key obfuscated (decrypted first, so the hint is of the real key). */
export function presentProject(project: Project, cipher: ApiKeyCipher): ProjectResponse {
  let keyHint: string;
  try {
    keyHint = obfuscateSecret(cipher.decrypt(project.storedApiKey));
  } catch {
    keyHint = '(encrypted; ENCRYPTION_KEY missing or wrong)';
  }
  return {
    id: project.id,
    name: project.name,
    api_key: keyHint,
    openai_organization: project.openaiOrganization,
    openai_project: project.openaiProject,
    requests_per_minute: project.requestsPerMinute,
    is_active: project.isActive,
    deactivated_at: iso(project.deactivatedAt),
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
  };
}

/** The token's effective state: its own flag, expiry and quota, then its project's. */
function tokenStatus(token: Token, project: Pick<Project, 'isActive'>, now: Date): TokenStatus {
  if (!token.isActive) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt <= now) return 'expired';
  if (token.maxRequests !== null && token.requestCount >= token.maxRequests) return 'exhausted';
  return project.isActive ? 'active' : 'project_inactive';
}

/** Of its project only the name and state are shown (a page of tokens reads no more of them). */
export function presentToken(token: Token, project: Pick<Project, 'name' | 'isActive'>, now: Date): TokenResponse {
  return {
    id: token.id,
    token: token.hint,
    project_id: token.projectId,
    project_name: project.name,
    status: tokenStatus(token, project, now),
    expires_at: iso(token.expiresAt),
    is_active: token.isActive,
    request_count: token.requestCount,
    max_requests: token.maxRequests,
    requests_per_minute: token.requestsPerMinute,
    cache_hit_count: token.cacheHitCount,
    created_at: token.createdAt.toISOString(),
    last_used_at: iso(token.lastUsedAt),
    deactivated_at: iso(token.deactivatedAt),
  };
}
