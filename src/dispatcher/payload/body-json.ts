import type { BodyExcerpt } from '../../events/index.js';
import { isEventStream, mergeEventStream } from './stream-merge.js';

/** Go's placeholder for a body that is not text. */
export const BINARY_OMITTED = '<binary response omitted>';

/**
 * A body excerpt as the JSON value Lunary and Helicone get (Go's safeRawMessageOrBase64):
 * the parsed JSON when it is JSON, a streamed answer merged into one object, any other text as
 * a JSON string (an excerpt cut at its limit is no longer valid JSON: it goes as text), and a
 * placeholder for binary bodies. Undefined when there is no body or excerpts are off.
 */
export function excerptJson(excerpt: BodyExcerpt | null): unknown {
  if (excerpt === null) return undefined;
  const { text } = excerpt;
  if (text === '') return excerpt.truncated ? BINARY_OMITTED : undefined;
  const trimmed = text.trim();
  if ((trimmed.startsWith('{') && trimmed.endsWith('}')) || (trimmed.startsWith('[') && trimmed.endsWith(']'))) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      // not JSON after all: below
    }
  }
  if (isEventStream(text)) {
    const merged = mergeEventStream(text);
    if (merged !== undefined) return merged;
  }
  return text;
}
