import { ProxyError } from '../errors.js';
import {
  generateWitheringToken,
  hashToken,
  isWellFormedToken,
  looksObfuscated,
  tokenHint,
  type ApiKeyCipher,
} from '../security/index.js';
import {
  findProject,
  findTokenByHash,
  findTokenById,
  insertProject,
  insertToken,
  isUniqueViolation,
  type Database,
  type Project,
  type Token,
} from '../store/index.js';

/** Project and token operations shared by the management API and `llm-proxy setup`. */
export interface OperationDeps {
  readonly database: Database;
  readonly cipher: ApiKeyCipher;
  readonly now: () => Date;
}

export const DEFAULT_TOKEN_HOURS = 24;
/** Token lifetimes the management API accepts (its schema names the fields); setup is held to the same. */
export const MIN_TOKEN_LIFETIME_MS = 60_000;
export const MAX_TOKEN_LIFETIME_MS = 365 * 24 * 3_600_000;

export function assertUsableApiKey(apiKey: string): void {
  if (looksObfuscated(apiKey)) {
    throw new ProxyError('invalid_request', 'cannot save an obfuscated API key: provide the full key');
  }
}

export interface NewProject {
  readonly name: string;
  readonly apiKey: string;
  /** Sent upstream as OpenAI-Organization / OpenAI-Project; null or undefined = none. */
  readonly openaiOrganization?: string | null;
  readonly openaiProject?: string | null;
  /** 0, null or undefined = no limit. */
  readonly requestsPerMinute?: number | null;
}

export async function createProject(deps: OperationDeps, input: NewProject): Promise<Project> {
  assertUsableApiKey(input.apiKey);
  try {
    return await insertProject(deps.database, {
      name: input.name,
      storedApiKey: deps.cipher.encrypt(input.apiKey),
      openaiOrganization: input.openaiOrganization || null,
      openaiProject: input.openaiProject || null,
      requestsPerMinute: input.requestsPerMinute || null,
      now: deps.now(),
    });
  } catch (error) {
    throw nameTakenOr(error, input.name);
  }
}

/** A unique violation on the project name as the API's 409; any other error as it is. */
export function nameTakenOr(error: unknown, name: string | undefined): unknown {
  return isUniqueViolation(error) ? new ProxyError('project_name_taken', `a project named "${name ?? ''}" already exists`) : error;
}

export interface IssuedToken {
  readonly token: Token;
  /** The withering token itself: returned once, never stored. */
  readonly plaintext: string;
}

/** Mints a withering token for an active project. */
export async function issueToken(
  deps: OperationDeps,
  input: { projectId: string; durationMs: number; maxRequests: number | null; requestsPerMinute?: number | null },
): Promise<IssuedToken> {
  if (!(input.durationMs >= MIN_TOKEN_LIFETIME_MS && input.durationMs <= MAX_TOKEN_LIFETIME_MS)) {
    throw new ProxyError('invalid_request', 'token lifetime must be between one minute and one year');
  }
  const project = await findProject(deps.database, input.projectId);
  if (!project) throw new ProxyError('project_not_found', `project ${input.projectId} not found`);
  if (!project.isActive) {
    throw new ProxyError('project_inactive', 'cannot create tokens for an inactive project: reactivate it first');
  }
  const now = deps.now();
  const plaintext = generateWitheringToken();
  const token = await insertToken(deps.database, {
    tokenHash: hashToken(plaintext),
    hint: tokenHint(plaintext),
    projectId: project.id,
    expiresAt: new Date(now.getTime() + input.durationMs),
    maxRequests: input.maxRequests === 0 ? null : input.maxRequests,
    requestsPerMinute: input.requestsPerMinute || null,
    now,
  });
  return { token, plaintext };
}

/** A token by its id or by the token string itself. */
export async function findTokenByIdOrSecret(database: Database, idOrToken: string): Promise<Token | undefined> {
  return isWellFormedToken(idOrToken)
    ? findTokenByHash(database, hashToken(idOrToken))
    : findTokenById(database, idOrToken);
}
