import type { OpenAI } from 'openai';
import type { ChatMessage } from './conversation.js';

/** One chat completion request, as the flags shape it. */
export interface ReplyRequest {
  readonly model: string;
  readonly messages: ChatMessage[];
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly isStreaming: boolean;
}

/**
 * Asks for the reply to `request` and hands its text to `onText` as it arrives (one call per
 * streamed delta, or one call with the whole reply). Resolves with the full reply; an abort through
 * `signal` ends a stream early without throwing, so callers check `signal.aborted`.
 */
export async function fetchReply(
  client: OpenAI,
  request: ReplyRequest,
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<string> {
  // Undefined fields are left out of the JSON body.
  const body = { model: request.model, messages: request.messages, temperature: request.temperature, max_tokens: request.maxTokens };
  if (!request.isStreaming) {
    const completion = await client.chat.completions.create({ ...body, stream: false }, { signal });
    const choice = completion.choices[0];
    if (!choice) throw new Error('the model sent no reply');
    const text = choice.message.content ?? '';
    onText(text);
    return text;
  }
  const stream = await client.chat.completions.create({ ...body, stream: true }, { signal });
  let text = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (delta) {
      text += delta;
      onText(delta);
    }
  }
  return text;
}
