import type { EventUsage } from '../events/index.js';

type Encoding = 'o200k_base' | 'cl100k_base';
type CountTokens = (text: string) => number;

const loaded = new Map<Encoding, Promise<CountTokens>>();

/** The tokenizer of a model family: o200k for the GPT-4o generation and later, cl100k before it. */
export function encodingOf(model: string | null): Encoding {
  const name = (model ?? '').toLowerCase();
  return /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d)/.test(name) || name.includes('omni') ? 'o200k_base' : 'cl100k_base';
}

/** Loaded on first use (a few hundred ms and tens of MB): most calls report their own usage. */
function tokenizer(encoding: Encoding): Promise<CountTokens> {
  let counter = loaded.get(encoding);
  if (counter === undefined) {
    counter = (encoding === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base')).then(
      (module) => (text: string) => module.countTokens(text),
    );
    loaded.set(encoding, counter);
  }
  return counter;
}

/** Chat formatting adds a few tokens per message around its content (OpenAI's cookbook figure). */
const TOKENS_PER_MESSAGE = 3;

/** Estimated usage of a call from the text it sent and the text it got back so far. */
export async function estimateUsage(model: string | null, prompt: { text: string; messages: number }, completion: string): Promise<EventUsage> {
  const count = await tokenizer(encodingOf(model));
  const promptTokens = prompt.text === '' ? 0 : count(prompt.text) + prompt.messages * TOKENS_PER_MESSAGE;
  const completionTokens = completion === '' ? 0 : count(completion);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    cached_tokens: 0,
    reasoning_tokens: 0,
    source: 'estimated',
  };
}

/** Text of a message `content`: a string, or an array of parts of which the text ones count. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? (part.text as string) : '')).join('');
}

/** The prompt's text, from the fields of chat completions, completions, responses and embeddings requests. */
export function promptText(json: Record<string, unknown> | undefined): { text: string; messages: number } {
  if (json === undefined) return { text: '', messages: 0 };
  const parts: string[] = [];
  let messages = 0;
  if (typeof json.instructions === 'string') parts.push(json.instructions);
  for (const field of ['messages', 'input', 'prompt'] as const) {
    const value = json[field];
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'string') parts.push(item);
        else if (typeof item === 'object' && item !== null) {
          messages += 1;
          parts.push(contentText((item as Record<string, unknown>).content));
        }
      }
    }
  }
  return { text: parts.join('\n'), messages };
}

/** The generated text of one streamed event (a chat delta, a completion, a Responses text delta). */
export function streamedText(event: unknown): string {
  if (typeof event !== 'object' || event === null) return '';
  const record = event as Record<string, unknown>;
  if (typeof record.delta === 'string') return record.delta; // Responses API: response.*.delta
  const choice = Array.isArray(record.choices) ? (record.choices[0] as Record<string, unknown> | undefined) : undefined;
  if (choice === undefined) return '';
  if (typeof choice.text === 'string') return choice.text;
  const delta = choice.delta as Record<string, unknown> | undefined;
  if (delta === undefined) return '';
  let text = typeof delta.content === 'string' ? delta.content : '';
  if (typeof delta.reasoning_content === 'string') text += delta.reasoning_content;
  if (Array.isArray(delta.tool_calls)) {
    for (const call of delta.tool_calls as { function?: { arguments?: unknown } }[]) {
      if (typeof call.function?.arguments === 'string') text += call.function.arguments;
    }
  }
  return text;
}
