import { OpenAI } from 'openai';
import { EXIT } from '../exit-codes.js';
import { writeLine, type Io } from '../io.js';
import { paintFor } from '../colour.js';
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
  /** Who speaks, written before each reply at a terminal (empty when piped). */
  readonly replyLabel: string;
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
    if (!hasOutput) io.stderr.write(session.replyLabel);
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
  writeLine(io.stderr, 'Type /help for the commands; exit, Ctrl-D or Ctrl-C twice ends the session, Ctrl-C stops a reply.');
}

const HELP = [
  'Commands (answered here, never sent to the model):',
  '  /reset   clear the history (the system prompt stays)',
  '  /help    this list',
  '  /exit    end the session (also: exit, quit, Ctrl-D, Ctrl-C twice)',
  'Ctrl-C while a reply streams stops it. To send a message that starts with /, start it with //.',
];

/**
 * Before the first message at a terminal, asks the proxy for /v1/models: a refused token or a
 * proxy that is down ends the session at once instead of after the user typed a message.
 */
async function checkProxy(session: Session): Promise<void> {
  try {
    await session.client.models.list();
  } catch (error) {
    const failure = describeTurnError(error, session.proxyUrl);
    // Anything else (an upstream that refuses /v1/models, say) is for the first message to tell.
    if (failure.fatalExitCode !== undefined) throw new ChatSessionError(failure.message, failure.fatalExitCode);
  }
}

/** A line that starts with one `/`: answered locally. Returns whether the session goes on. */
function runCommand(session: Session, command: string): boolean {
  const { io, options } = session;
  const name = command.split(/\s/, 1)[0]?.toLowerCase() ?? '';
  if (name === '/exit' || name === '/quit') return false;
  if (name === '/reset') {
    session.conversation.reset();
    writeLine(io.stderr, options.system ? 'History cleared (the system prompt stays).' : 'History cleared.');
  } else if (name === '/help') {
    for (const line of HELP) writeLine(io.stderr, line);
  } else {
    writeLine(io.stderr, `Unknown command ${name}: nothing was sent (/help lists the commands; start a message with // to send a leading /).`);
  }
  return true;
}

/**
 * `llm-proxy openai chat`: a conversation with a model through the proxy, one line per message.
 * Ends normally on exit/quit, end of input or Ctrl-C twice at the prompt; ends at once (exit 3) when the
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
  const paint = paintFor(io.stderr);
  const input = createChatInput(io, paint.bold(paint.cyan('you> ')));
  const session: Session = {
    options,
    io,
    client,
    proxyUrl,
    input,
    conversation: createConversation(options.system),
    replyLabel: input.isTerminal ? paint.bold(paint.green(`${options.model}> `)) : '',
  };
  if (input.isTerminal) {
    try {
      await checkProxy(session);
    } catch (error) {
      input.close();
      throw error;
    }
    writeBanner(io, options, apiBaseUrl);
  }

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
      if (line.startsWith('/') && !line.startsWith('//')) {
        if (runCommand(session, line)) continue;
        break;
      }
      sent += 1;
      if ((await runTurn(session, line.startsWith('//') ? line.slice(1) : line)) === 'failed') failed += 1;
    }
  } finally {
    input.close();
  }
  if (failed > 0) {
    throw new ChatSessionError(`${failed} of ${sent} message${sent === 1 ? '' : 's'} got no reply (see the errors above)`, EXIT.general);
  }
}
