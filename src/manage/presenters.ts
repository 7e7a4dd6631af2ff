import { obfuscateSecret, type ApiKeyCipher } from '../security/index.js';
import type { Project, Token } from '../store/index.js';
import type { ProjectResponse, TokenResponse } from './schemas.js';

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
    is_active: project.isActive,
    deactivated_at: iso(project.deactivatedAt),
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
  };
}

export function presentToken(token: Token): TokenResponse {
  return {
    id: token.id,
    token: token.hint,
    project_id: token.projectId,
    expires_at: iso(token.expiresAt),
    is_active: token.isActive,
    request_count: token.requestCount,
    max_requests: token.maxRequests,
    cache_hit_count: token.cacheHitCount,
    created_at: token.createdAt.toISOString(),
    last_used_at: iso(token.lastUsedAt),
    deactivated_at: iso(token.deactivatedAt),
  };
}
