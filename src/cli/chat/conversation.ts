/** One message of a chat, in the shape the chat completions API takes. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The history of a chat session: the system prompt (if any), then each answered turn. */
export interface Conversation {
  /** What to send for a new user line: the history, then the line. The history is not changed. */
  messagesFor(line: string): ChatMessage[];
  /** Keeps a turn that got its reply. */
  record(line: string, reply: string): void;
  /** Forgets every turn; the system prompt stays. */
  reset(): void;
}

export function createConversation(systemPrompt?: string): Conversation {
  const start: ChatMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
  let messages = [...start];
  return {
    messagesFor: (line) => [...messages, { role: 'user', content: line }],
    record(line, reply) {
      messages.push({ role: 'user', content: line }, { role: 'assistant', content: reply });
    },
    reset() {
      messages = [...start];
    },
  };
}
