import type { Command } from 'commander';
import type { Io } from '../io.js';
import { numberBetween, positiveInteger } from '../option-parsers.js';
import { DEFAULT_CHAT_MODEL } from './chat-settings.js';

export interface ChatOptions {
  readonly token?: string;
  /** Default: the server's LISTEN_ADDR from the environment or ./.env, else http://localhost:8080. */
  readonly baseUrl?: string;
  readonly model: string;
  readonly system?: string;
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** False with --no-stream. */
  readonly stream: boolean;
}

export function registerOpenAiCommand(program: Command, io: Io): void {
  const openai = program.command('openai').description('Use the OpenAI API through the proxy with a withering token');
  openai
    .command('chat')
    .description('Chat with a model through the proxy: replies stream to stdout, the conversation is kept until you quit')
    .option('--token <token>', 'withering token (sk-…) issued by llm-proxy (default: PROXY_TOKEN from the environment or ./.env)')
    .option('--base-url <url>', 'base URL of the proxy; /v1 is added unless already there (default: LISTEN_ADDR of ./.env as http://…, else http://localhost:8080)')
    .option('--model <model>', 'model to chat with', DEFAULT_CHAT_MODEL)
    .option('--system <prompt>', 'system prompt, sent first with every message (default: none)')
    .option('--temperature <n>', "sampling temperature from 0 to 2 (default: the model's)", numberBetween(0, 2))
    .option('--max-tokens <n>', 'maximum number of tokens per reply (default: no limit)', positiveInteger)
    .option('--no-stream', 'print each reply once it is complete (default: stream it as it arrives)')
    .addHelpText(
      'after',
      `
Each line is one message; the whole conversation is sent with it. exit, quit, /exit, Ctrl-D or
Ctrl-C twice at an empty prompt ends the session; /reset clears the history (the system prompt
stays); /help lists the commands, which are never sent to the model (start a message with // to
send a leading /). Ctrl-C while a reply streams stops that reply. At a terminal the token and
the proxy are checked first with GET /v1/models (it counts as one request of the token), and
prompt and replies are coloured unless NO_COLOR is set. A message that fails or is stopped is left out
of the history. When stdin is not a terminal there is no prompt and no banner: stdout holds
only the replies, each ended by a newline, so the command can be scripted.

Exit codes: 0 the session ended and every message got its reply; 1 bad flags, or some message
got no reply (each error is printed as it happens and the session goes on); 2 the proxy cannot
be reached; 3 the token was refused (unknown, revoked or expired). 2 and 3 end the session at once.

Examples:
  $ llm-proxy openai chat --token sk-your-withering-token
  $ llm-proxy openai chat --token sk-your-withering-token --model gpt-4o
  $ llm-proxy openai chat --token sk-your-withering-token --base-url https://proxy.example.com
  $ printf 'hello\\nwhat did I say?\\n' | PROXY_TOKEN=sk-your-withering-token llm-proxy openai chat --no-stream`,
    )
    .action(async (options: ChatOptions) => {
      const { runChat } = await import('./run.js');
      await runChat(options, io);
    });
}
