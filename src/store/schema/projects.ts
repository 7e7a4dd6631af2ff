/** Column types as the driver returns them; codec.ts turns them into domain values. */
export interface ProjectsTable {
  id: string;
  name: string;
  /** Upstream API key as stored: plaintext, `enc:v2:<key id>:…` when ENCRYPTION_KEY is set, or the Go original's `enc:v1:…`. */
  api_key: string;
  /** OpenAI organization and project ids sent upstream with the key, or null. */
  openai_organization: string | null;
  openai_project: string | null;
  /** null = no rate limit. */
  requests_per_minute: number | null;
  is_active: number | boolean;
  deactivated_at: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
}

export const projectsTable = 'projects';
