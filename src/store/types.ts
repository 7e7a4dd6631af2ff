/** Domain types the store returns; no row shape escapes store/. */
export interface Project {
  readonly id: string;
  readonly name: string;
  /** The upstream API key as stored (possibly encrypted; see security/api-key-cipher.ts). */
  readonly storedApiKey: string;
  /** Sent upstream as OpenAI-Organization / OpenAI-Project when set (clients cannot choose them). */
  readonly openaiOrganization: string | null;
  readonly openaiProject: string | null;
  /** Requests per minute across all its tokens; null = no limit. */
  readonly requestsPerMinute: number | null;
  readonly isActive: boolean;
  readonly deactivatedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface Token {
  readonly id: string;
  readonly hint: string;
  readonly projectId: string;
  readonly expiresAt: Date | null;
  readonly isActive: boolean;
  readonly requestCount: number;
  /** null = unlimited. */
  readonly maxRequests: number | null;
  /** null = no rate limit. */
  readonly requestsPerMinute: number | null;
  readonly cacheHitCount: number;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly deactivatedAt: Date | null;
}

/** A token together with its project: what the proxy needs to admit a request. */
export interface TokenCredential {
  readonly token: Token;
  readonly project: Project;
}
