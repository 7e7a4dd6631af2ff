export interface TokensTable {
  id: string;
  /** Lowercase hex SHA-256 of the token; the plaintext is never stored. */
  token_hash: string;
  /** Display hint such as `sk-AbCd…WxYz`. */
  token_hint: string;
  project_id: string;
  expires_at: string | Date | null;
  is_active: number | boolean;
  request_count: number;
  /** null = unlimited. */
  max_requests: number | null;
  /** null = no rate limit. */
  requests_per_minute: number | null;
  cache_hit_count: number;
  created_at: string | Date;
  last_used_at: string | Date | null;
  deactivated_at: string | Date | null;
}

export const tokensTable = 'tokens';
