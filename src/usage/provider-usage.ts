import type { EventUsage } from '../events/index.js';

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function field(object: unknown, name: string): unknown {
  return typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[name] : undefined;
}

/**
 * The provider's `usage` object in our shape, whichever API it comes from: chat completions,
 * completions and embeddings say prompt/completion tokens; the Responses API says input/output.
 * Undefined when it is not a usage object (null, missing, not numbers).
 */
export function usageFromProvider(usage: unknown): EventUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const prompt = field(usage, 'prompt_tokens') ?? field(usage, 'input_tokens');
  const completion = field(usage, 'completion_tokens') ?? field(usage, 'output_tokens');
  const total = field(usage, 'total_tokens');
  if (typeof prompt !== 'number' && typeof total !== 'number') return undefined;
  const promptDetails = field(usage, 'prompt_tokens_details') ?? field(usage, 'input_tokens_details');
  const completionDetails = field(usage, 'completion_tokens_details') ?? field(usage, 'output_tokens_details');
  const promptTokens = count(prompt);
  const completionTokens = count(completion);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: typeof total === 'number' ? count(total) : promptTokens + completionTokens,
    cached_tokens: count(field(promptDetails, 'cached_tokens')),
    reasoning_tokens: count(field(completionDetails, 'reasoning_tokens')),
    source: 'provider',
  };
}

/**
 * Usage from one parsed answer: a JSON body (`usage` at the top), a chat/completions stream chunk
 * (`usage` at the top of the last chunk) or a Responses stream event (`response.usage` of
 * `response.completed`, `response.incomplete`, `response.failed`).
 */
export function usageOfAnswer(answer: unknown): EventUsage | undefined {
  return usageFromProvider(field(answer, 'usage')) ?? usageFromProvider(field(field(answer, 'response'), 'usage'));
}
