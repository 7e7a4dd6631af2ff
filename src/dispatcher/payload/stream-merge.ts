/**
 * Streamed answers (server-sent events) as one JSON object, the way the Go dispatcher merges
 * them for Lunary and Helicone: chat completion chunks become one chat completion, and a
 * Responses API stream becomes the response of its `response.completed` event.
 */

type Json = Record<string, unknown>;

function dataObjects(text: string): Json[] {
  const objects: Json[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]' || !data.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(data);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) objects.push(parsed as Json);
    } catch {
      // a chunk cut by the excerpt's limit, or not JSON: skipped
    }
  }
  return objects;
}

/** At least two `data:` lines other than [DONE] (Go's IsOpenAIStreaming). */
export function isEventStream(text: string): boolean {
  let count = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('data: ') && !line.startsWith('data: [DONE]')) count += 1;
    if (count > 1) return true;
  }
  return false;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const asObject = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);

/** Chat completion chunks: first id/object/created/model, concatenated content, last finish_reason, last usage. */
function mergeChatChunks(chunks: readonly Json[]): Json {
  let id = '';
  let object = '';
  let created = 0;
  let model = '';
  let content = '';
  let finishReason = '';
  let usage: Json | undefined;
  for (const chunk of chunks) {
    id ||= asString(chunk.id) ?? '';
    object ||= asString(chunk.object) ?? '';
    created ||= asNumber(chunk.created) ?? 0;
    model ||= asString(chunk.model) ?? '';
    const choice = asObject(Array.isArray(chunk.choices) ? chunk.choices[0] : undefined);
    content += asString(asObject(choice?.delta)?.content) ?? '';
    finishReason = asString(choice?.finish_reason) || finishReason;
    const chunkUsage = asObject(chunk.usage);
    if (chunkUsage) {
      usage = {
        prompt_tokens: asNumber(chunkUsage.prompt_tokens) ?? 0,
        completion_tokens: asNumber(chunkUsage.completion_tokens) ?? 0,
        total_tokens: asNumber(chunkUsage.total_tokens) ?? 0,
      };
    }
  }
  return {
    id,
    object,
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    ...(usage && { usage }),
  };
}

/** The merged answer of a stream, or undefined when `text` is not a stream we know. */
export function mergeEventStream(text: string): Json | undefined {
  const objects = dataObjects(text);
  if (objects.length === 0) return undefined;
  const isResponses = objects.some((object) => asString(object.type)?.startsWith('response.'));
  if (isResponses) {
    // The final event carries the whole response (usage included); a cut stream has none.
    const final = objects.findLast((object) => ['response.completed', 'response.incomplete', 'response.failed'].includes(asString(object.type) ?? ''));
    return asObject(final?.response);
  }
  return mergeChatChunks(objects);
}
