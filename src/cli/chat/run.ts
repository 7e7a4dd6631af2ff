import { OpenAI } from 'openai';
import { EXIT } from '../exit-codes.js';
import { writeLine, type Io } from '../io.js';
import { ChatSessionError } from './chat-session-error.js';
import { chatEndpoint, chatToken } from './chat-settings.js';
import { createChatInput, type ChatInput } from './chat-input.js';
import { createConversation, type Conversation } from './conversation.js';
import { fetchReply } from './reply.js';
import { describeTurnError } from './turn-error.js';
import type { ChatOptions } from './index.js';

const QUIT_WORDS = new Set(['exit', 'quit']);

type TurnOutcome = 'answered' | 'interrupted' | 'failed';

interface Session {
  readonly options: ChatOptions;
  readonly io: Io;
  readonly client: OpenAI;
  readonly proxyUrl: string;
  readonly input: ChatInput;
  readonly conversation: Conversation;
}

/**
 * One message and its reply. The reply goes to stdout as it arrives; an interrupted or failed
 * turn is left out of the history, so the next message is sent as if it had not been typed.
 */
async function runTurn(session: Session, line: string): Promise<TurnOutcome> {
  const { options, io, input, conversation } = session;
  const controller = new AbortController();
  let hasOutput = false;
  const write = (text: string) => {
    hasOutput = true;
    io.stdout.write(text);
  };
  const request = {
    model: options.model,
    messages: conversation.messagesFor(line),
    temperature: options.temperature,
    maxTokens: options.maxTokens,
    isStreaming: options.stream,
  };
  try {
    const reply = await input.whileReplying(
      () => controller.abort(),
      () => fetchReply(session.client, request, controller.signal, write),
    );
    if (!controller.signal.aborted) {
      writeLine(io.stdout);
      conversation.record(line, reply);
      return 'answered';
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      if (hasOutput) writeLine(io.stdout);
      const failure = describeTurnError(error, session.proxyUrl);
      if (failure.fatalExitCode !== undefined) throw new ChatSessionError(failure.message, failure.fatalExitCode);
      writeLine(io.stderr, `Error: ${failure.message}`);
      return 'failed';
    }
  }
  if (hasOutput) writeLine(io.stdout);
  writeLine(io.stderr, '(reply interrupted)');
  return 'interrupted';
}

function writeBanner(io: Io, options: ChatOptions, apiBaseUrl: string): void {
  writeLine(io.stderr, `Chatting with ${options.model} through ${apiBaseUrl}${options.system ? ' (with a system prompt)' : ''}.`);
  writeLine(io.stderr, 'Type exit or quit (or press Ctrl-D) to end, /reset to clear the history; Ctrl-C stops a reply.');
}

/**
 * `llm-proxy openai chat`: a conversation with a model through the proxy, one line per message.
 * Ends normally on exit/quit, end of input or Ctrl-C at the prompt; ends at once (exit 3) when the
 * token is refused and (exit 2) when the proxy cannot be reached. Other failed messages are
 * reported as they happen and make the session end with exit 1.
 */
export async function runChat(options: ChatOptions, io: Io): Promise<void> {
  const token = chatToken(options.token);
  const { proxyUrl, apiBaseUrl } = chatEndpoint(options.baseUrl);
  // Explicit values, so OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_ADMIN_KEY and OPENAI_LOG of the
  // environment are not used: the proxy gets the withering token and nothing else.
  const client = new OpenAI({
    apiKey: token,
    baseURL: apiBaseUrl,
    maxRetries: 0,
    organization: null,
    project: null,
    adminAPIKey: null,
    logLevel: 'warn',
  });
  const input = createChatInput(io, '> ');
  const session: Session = { options, io, client, proxyUrl, input, conversation: createConversation(options.system) };
  if (input.isTerminal) writeBanner(io, options, apiBaseUrl);

  let sent = 0;
  let failed = 0;
  try {
    for (;;) {
      const event = await input.next();
      if (event.kind === 'end') {
        // Ctrl-D / Ctrl-C leave the cursor after the prompt.
        if (input.isTerminal) writeLine(io.stderr);
        break;
      }
      const line = event.text.trim();
      if (line === '') continue;
      if (QUIT_WORDS.has(line.toLowerCase())) break;
      if (line === '/reset') {
        session.conversation.reset();
        writeLine(io.stderr, options.system ? 'History cleared (the system prompt stays).' : 'History cleared.');
        continue;
      }
      sent += 1;
      if ((await runTurn(session, line)) === 'failed') failed += 1;
    }
  } finally {
    input.close();
  }
  if (failed > 0) {
    throw new ChatSessionError(`${failed} of ${sent} message${sent === 1 ? '' : 's'} got no reply (see the errors above)`, EXIT.general);
  }
}
