/**
 * The `route` label of a proxied call: the template of its path (`/v1/files/{id}/content`), never
 * the path itself, so that ids, model names and whatever a client types do not become series.
 */

/** Every path the policy refused (or never checked) and every path past the limits below. */
export const OTHER_ROUTE = 'other';

/**
 * The names OpenAI gives its resources and actions (`/v1/threads/{id}/runs/{id}/steps`): a
 * segment below an allowed endpoint is kept when it is one of these, and is `{id}` otherwise.
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

const ID = '{id}';

/** Refusals of the request policy: the path is not an allowed endpoint, or was not checked. */
const POLICY_REFUSALS = new Set(['method_not_allowed', 'invalid_path', 'endpoint_not_found']);

/** Segments below the allowed endpoint; OpenAI's deepest paths have 5. */
const MAX_SEGMENTS_BELOW = 6;

/** Templates made below the allowed endpoints; past this many, new ones are `other`. */
const DEFAULT_MAX_TEMPLATES = 200;

/** Gives the route label of a call from its path (without the query) and its error code. */
export type RouteTemplates = (path: string, errorCode: string | null) => string;

/** One segment of a route: the template up to here, and what may follow. */
interface RouteNode {
  /** Undefined above the allowed endpoints (`/v1` when only `/v1/chat/completions` is allowed). */
  template: string | undefined;
  readonly children: Map<string, RouteNode>;
  /** How many segments below the allowed endpoint this node is (0: at or above it). */
  readonly depthBelow: number;
}

/**
 * Templates relative to the provider's allowed endpoints (configuration, so a bounded set): the
 * path up to the longest allowed endpoint it is at or below, then each further segment as itself
 * when it is an OpenAI resource word, else `{id}`. Refused and unknown paths are `other`, and so
 * is any template past `maxTemplates`: the label set stays bounded whatever clients send.
 *
 * The templates form a tree walked one segment at a time (each template string is built once,
 * when its node is made), as this runs for every proxied call.
 */
export function createRouteTemplates(allowedEndpoints: readonly string[], maxTemplates = DEFAULT_MAX_TEMPLATES): RouteTemplates {
  const root: RouteNode = { template: undefined, children: new Map(), depthBelow: 0 };
  let made = 0;

  // Shorter first: an endpoint below another one (`/v1/messages` below `/v1`) is a node below it.
  for (const endpoint of [...allowedEndpoints].sort((a, b) => a.length - b.length)) {
    let node = root;
    let prefix = '';
    for (const segment of endpoint.split('/').slice(1)) {
      prefix += `/${segment}`;
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = { template: node.template === undefined ? undefined : prefix, children: new Map(), depthBelow: 0 }));
      node = child;
    }
    node.template = endpoint;
  }

  /** The node below `node` for a segment no allowed endpoint names; undefined past the limits. */
  function below(node: RouteNode, segment: string): RouteNode | undefined {
    if (node.template === undefined || node.depthBelow >= MAX_SEGMENTS_BELOW) return undefined;
    const key = RESOURCE_WORDS.has(segment) ? segment : ID;
    let child = node.children.get(key);
    if (child === undefined) {
      if (made >= maxTemplates) return undefined;
      made += 1;
      node.children.set(key, (child = { template: `${node.template}/${key}`, children: new Map(), depthBelow: node.depthBelow + 1 }));
    }
    return child;
  }

  return (path, errorCode) => {
    if (errorCode !== null && POLICY_REFUSALS.has(errorCode)) return OTHER_ROUTE;
    if (path.charCodeAt(0) !== 47 /* / */) return OTHER_ROUTE;
    let node: RouteNode | undefined = root;
    let start = 1;
    while (node !== undefined && start <= path.length) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      const segment = path.slice(start, end);
      node = node.children.get(segment) ?? below(node, segment);
      start = end + 1;
    }
    return node?.template ?? OTHER_ROUTE;
  };
}
