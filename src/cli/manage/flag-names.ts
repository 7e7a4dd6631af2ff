import { cliCommand } from '../invocation.js';

/** Management API fields, as the flags of `llm-proxy manage` that set them. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  name: '--name',
  api_key: '--openai-key',
  is_active: '--activate/--deactivate',
  revoke_tokens: '--revoke-tokens',
  project_id: '--project-id',
  duration_hours: '--duration',
  max_requests: '--max-requests',
  requests_per_minute: '--requests-per-minute',
  key: '--key',
  page_size: '--limit',
  start_time: '--since',
};

/** An API error message told in flags: `body.duration_hours: …` becomes `--duration: …`. */
export function inFlagTerms(message: string): string {
  return message.replace(/\b(?:body|querystring)\.([a-z_]+)/g, (whole, field: string) => FLAG_OF_FIELD[field] ?? whole);
}

/** What to do next after a management API error, by its code; empty when the message says it. */
export function nextStepFor(code: string | undefined): string {
  const cli = cliCommand();
  if (code === 'project_not_found') return ` List the projects: ${cli} manage project list`;
  if (code === 'not_found') return ` List the tokens: ${cli} manage token list`;
  if (code === 'project_name_taken') return ' Choose another --name.';
  if (code === 'cache_disabled') return ' Restart the server with HTTP_CACHE_ENABLED=true (the default) to use it.';
  if (code === 'project_inactive') return ` Reactivate it first: ${cli} manage project update <project-id> --activate`;
  return '';
}
