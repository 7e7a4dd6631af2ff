/**
 * The `route` label of a proxied call: the template of its path (`/v1/files/{id}/content`), never
 * the path itself, so that ids, model names and whatever a client types do not become series.
 */

/** Every path the policy refused (or never checked) and every path past the limits below. */
export const OTHER_ROUTE = 'other';

/**
 * The names OpenAI gives its resources and actions (`/v1/threads/{id}/runs/{id}/steps`): a
 * segment after the allowed endpoint is kept when it is one of these, and is `{id}` otherwise.
 */
const RESOURCE_WORDS = new Set([
  // endpoint families, for a provider that allows a whole prefix such as /v1
  'chat', 'completions', 'responses', 'conversations', 'embeddings', 'models', 'moderations', 'images', 'audio', 'files',
  'uploads', 'batches', 'fine_tuning', 'assistants', 'threads', 'vector_stores', 'realtime', 'evals', 'containers', 'videos',
  // below them
  'messages', 'cancel', 'input_items', 'input_tokens', 'compact', 'items', 'generations', 'edits', 'variations', 'speech',
  'transcriptions', 'translations', 'content', 'parts', 'complete', 'jobs', 'events', 'checkpoints', 'pause', 'resume',
  'permissions', 'alpha', 'graders', 'run', 'validate', 'runs', 'submit_tool_outputs', 'steps', 'search', 'file_batches',
  'sessions', 'transcription_sessions', 'client_secrets', 'calls', 'accept', 'hangup', 'refer', 'reject', 'output_items', 'remix',
]);

/** Refusals of the request policy: the path is not an allowed endpoint, or was not checked. */
const POLICY_REFUSALS = new Set(['method_not_allowed', 'invalid_path', 'endpoint_not_found']);

/** Segments below the allowed endpoint; OpenAI's deepest paths have 5. */
const MAX_EXTRA_SEGMENTS = 6;

/** Templates handed out besides the allowed endpoints themselves; later new ones are `other`. */
const DEFAULT_MAX_TEMPLATES = 200;

/** Gives the route label of a call from its path (without the query) and its error code. */
export type RouteTemplates = (path: string, errorCode: string | null) => string;

/**
 * Templates relative to the provider's allowed endpoints (configuration, so a bounded set): the
 * longest allowed endpoint the path is at or below, then each further segment as itself when it
 * is an OpenAI resource word, else `{id}`. Refused and unknown paths are `other`, and so is any
 * template past `maxTemplates` distinct ones: the label set stays bounded whatever clients send.
 */
export function createRouteTemplates(allowedEndpoints: readonly string[], maxTemplates = DEFAULT_MAX_TEMPLATES): RouteTemplates {
  const endpoints = new Set(allowedEndpoints);
  const templates = new Set<string>();

  function templateOf(path: string): string | undefined {
    let endpoint = path;
    while (!endpoints.has(endpoint)) {
      const cut = endpoint.lastIndexOf('/');
      if (cut <= 0) return undefined;
      endpoint = endpoint.slice(0, cut);
    }
    const below = path.slice(endpoint.length + 1).split('/');
    if (below.length > MAX_EXTRA_SEGMENTS) return undefined;
    let template = endpoint;
    for (const segment of below) template += RESOURCE_WORDS.has(segment) ? `/${segment}` : '/{id}';
    return template;
  }

  return (path, errorCode) => {
    if (errorCode !== null && POLICY_REFUSALS.has(errorCode)) return OTHER_ROUTE;
    if (endpoints.has(path)) return path; // the common case: no id in the path
    const template = templateOf(path);
    if (template === undefined) return OTHER_ROUTE;
    if (!templates.has(template)) {
      if (templates.size >= maxTemplates) return OTHER_ROUTE;
      templates.add(template);
    }
    return template;
  };
}
