import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatOptions } from '../../../src/cli/chat/index.js';
import { runChat } from '../../../src/cli/chat/run.js';
import { reportError, type ReportedError } from '../../../src/cli/report-error.js';
import { pipedIo, terminalIo, type CapturedIo, type TextSink } from '../../support/capture-io.js';
import { streamChat } from '../../support/mock-openai.js';
import type { Harness } from '../../support/proxy-harness.js';
import { useSharedHarness } from '../../support/shared-harness.js';
import { cliCommand } from '../../../src/cli/invocation.js';

const CLI_COMMAND = cliCommand();

interface ChatRun {
  readonly stdout: string;
  readonly stderr: string;
  /** How the session ended when it failed: exit code and the line main prints. */
  readonly failure?: ReportedError;
}

interface SentBody {
  readonly model: string;
  readonly messages: { role: string; content: string }[];
  readonly stream?: boolean;
  readonly temperature?: number;
  readonly max_tokens?: number;
}

async function runWith(captured: CapturedIo, options: Partial<ChatOptions> & { baseUrl: string }): Promise<ChatRun> {
  let failure: ReportedError | undefined;
  try {
    await runChat({ model: 'gpt-4', stream: true, ...options }, captured.io);
  } catch (error) {
    failure = reportError(error);
  }
  return { stdout: captured.stdout.text(), stderr: captured.stderr.text(), failure };
}

/** Resolves once `sink` has received `text` (bounded: the test timeout would hide the reason). */
async function waitForText(sink: TextSink, text: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!sink.text().includes(text)) {
    if (Date.now() > deadline) throw new Error(`"${text}" never arrived; got ${JSON.stringify(sink.text())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function chatBodies(harness: Harness, since = 0): SentBody[] {
  return harness.mock.received
    .slice(since)
    .filter((request) => request.url === '/v1/chat/completions')
    .map((request) => JSON.parse(request.body) as SentBody);
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('llm-proxy openai chat through the real proxy', () => {
  const shared = useSharedHarness();
  let harness: Harness;
  let mark: number;

  beforeEach(() => {
    harness = shared.harness;
    mark = harness.mock.received.length;
  });

  const chat = (lines: readonly string[], options: Partial<ChatOptions> = {}) =>
    runWith(pipedIo(lines), { token: shared.token, baseUrl: harness.url, ...options });

  it('sends each piped line with the whole history and prints only the replies', async () => {
    const run = await chat(['hello', 'what did I say?']);
    expect(run).toEqual({ stdout: 'echo: hello\necho: what did I say?\n', stderr: '', failure: undefined });
    const [first, second] = chatBodies(harness, mark);
    expect(first).toMatchObject({ model: 'gpt-4', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    expect(second?.messages).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'echo: hello' },
      { role: 'user', content: 'what did I say?' },
    ]);
    expect(chatBodies(harness, mark)).toHaveLength(2);
  });

  it('asks for whole replies with --no-stream', async () => {
    const run = await chat(['one', 'two'], { stream: false, model: 'gpt-4o-mini' });
    expect(run.stdout).toBe('echo: one\necho: two\n');
    const bodies = chatBodies(harness, mark);
    expect(bodies.map((body) => body.stream)).toEqual([false, false]);
    expect(bodies[1]?.messages.map((message) => message.content)).toEqual(['one', 'echo: one', 'two']);
    expect(bodies[0]?.model).toBe('gpt-4o-mini');
  });

  it('sends the system prompt first, and /reset keeps only it', async () => {
    const run = await chat(['first', '/reset', 'second', 'third'], { system: 'Be brief.' });
    expect(run.stdout).toBe('echo: first\necho: second\necho: third\n');
    expect(run.stderr).toBe('History cleared (the system prompt stays).\n');
    const bodies = chatBodies(harness, mark);
    expect(bodies[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first' },
    ]);
    expect(bodies[1]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'second' },
    ]);
    expect(bodies[2]?.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('stops at exit or quit, skips empty lines', async () => {
    expect((await chat(['', '   ', 'one', 'exit', 'two'])).stdout).toBe('echo: one\n');
    expect((await chat(['QUIT', 'three'])).stdout).toBe('');
    expect(chatBodies(harness, mark).map((body) => body.messages.at(-1)?.content)).toEqual(['one']);
  });

  it('passes --temperature and --max-tokens on to the upstream, and nothing when unset', async () => {
    await chat(['hi'], { temperature: 0.3, maxTokens: 50 });
    await chat(['hi']);
    const [withFlags, without] = chatBodies(harness, mark);
    expect(withFlags).toMatchObject({ temperature: 0.3, max_tokens: 50 });
    expect(without).not.toHaveProperty('temperature');
    expect(without).not.toHaveProperty('max_tokens');
  });

  it('accepts a base URL that already ends in /v1', async () => {
    expect((await chat(['hi'], { baseUrl: `${harness.url}/v1/` })).stdout).toBe('echo: hi\n');
  });

  it('ends at once with exit 3 and one line when the token was revoked', async () => {
    const revoked = await harness.issueToken();
    expect((await harness.manage('DELETE', `/manage/tokens/${revoked.tokenId}`)).status).toBe(200);
    const run = await chat(['hello', 'again'], { token: revoked.token });
    expect(run.failure).toEqual({
      exitCode: 3,
      message: `Error: the token has been revoked: ask for a new one (${CLI_COMMAND} manage token generate --project-id <project-id>)`,
    });
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
    expect(chatBodies(harness, mark)).toHaveLength(0);
  });

  it('ends with exit 3 when the token has expired or is unknown, never printing it', async () => {
    const expiring = await harness.issueToken();
    await harness.expireToken(expiring.tokenId);
    const expired = await chat(['hello'], { token: expiring.token });
    expect(expired.failure?.exitCode).toBe(3);
    expect(expired.failure?.message).toMatch(/^Error: the token has expired: ask for a new one \((npx )?llm-proxy manage token generate/);
    const unknown = await chat(['hello'], { token: 'sk-AAAAAAAAAAAAAAAAAAAAAA' });
    expect(unknown.failure?.exitCode).toBe(3);
    expect(unknown.failure?.message).toContain('the proxy does not know this token');
    for (const line of [expired.failure?.message, unknown.failure?.message]) {
      expect(line).not.toContain('\n');
      expect(line).not.toContain('sk-A');
      expect(line).not.toContain(expiring.token);
    }
  });

  it('ends with exit 2 and one line when the proxy cannot be reached', async () => {
    const url = await closedPortUrl();
    const run = await chat(['hello', 'again'], { baseUrl: url });
    expect(run.failure).toEqual({
      exitCode: 2,
      message: `Error: cannot reach the proxy at ${url} (connection refused): is \`llm-proxy server\` running? Point elsewhere with --base-url.`,
    });
    expect(run.stdout).toBe('');
  });

  it('reports a used-up token and goes on, ending with exit 1', async () => {
    const limited = await harness.issueToken({ maxRequests: 1 });
    const run = await chat(['one', 'two', 'three'], { token: limited.token });
    expect(run.stdout).toBe('echo: one\n');
    const line =
      `Error: the token has used all of its allowed requests: ask for a new one or a higher limit (${CLI_COMMAND} manage token generate --project-id <project-id> --max-requests <n>)`;
    expect(run.stderr).toBe(`${line}\n${line}\n`);
    expect(run.failure).toEqual({ exitCode: 1, message: 'Error: 2 of 3 messages got no reply (see the errors above)' });
  });

  it('reports a deactivated project and goes on', async () => {
    const owned = await harness.issueToken();
    expect((await harness.manage('PATCH', `/manage/projects/${owned.projectId}`, { is_active: false })).status).toBe(200);
    const run = await chat(['one'], { token: owned.token });
    expect(run.stderr).toBe(
      `Error: the token's project is deactivated: ask its owner to reactivate it (${CLI_COMMAND} manage project update <project-id> --activate)\n`,
    );
    expect(run.failure?.exitCode).toBe(1);
  });
});

describe('llm-proxy openai chat with a scripted upstream', () => {
  const shared = useSharedHarness();
  let harness: Harness;
  let token: string;

  beforeEach(() => {
    ({ harness, token } = shared);
  });

  it('writes each chunk as it arrives', async () => {
    const captured = pipedIo(['count']);
    let wasFirstChunkShownEarly = false;
    harness.mock.route('/v1/chat/completions', async (_req, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (content: string) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      res.write(chunk('one '));
      // The rest is sent only once the first chunk is on stdout.
      wasFirstChunkShownEarly = await waitForText(captured.stdout, 'one ', 3_000).then(
        () => true,
        () => false,
      );
      res.write(chunk('two'));
      res.end('data: [DONE]\n\n');
    });
    const run = await runWith(captured, { token, baseUrl: harness.url });
    expect(wasFirstChunkShownEarly).toBe(true);
    expect(run.stdout).toBe('one two\n');
  });

  it('reports an upstream 5xx with its message, goes on, and leaves the failed message out of the history', async () => {
    const mark = harness.mock.received.length;
    let calls = 0;
    harness.mock.route('/v1/chat/completions', async (_req, res, body) => {
      calls += 1;
      if (calls === 2) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'The server had an error\nwhile processing', type: 'server_error', code: null } }));
        return;
      }
      const last = (JSON.parse(body) as SentBody).messages.at(-1)?.content;
      await streamChat(res, [`re: ${last}`]);
    });
    const run = await runWith(pipedIo(['a', 'b', 'c']), { token, baseUrl: harness.url });
    expect(run.stdout).toBe('re: a\nre: c\n');
    expect(run.stderr).toBe('Error: the upstream API failed (HTTP 500): The server had an error while processing\n');
    expect(run.failure).toEqual({ exitCode: 1, message: 'Error: 1 of 3 messages got no reply (see the errors above)' });
    expect(chatBodies(harness, mark)[2]?.messages.map((message) => message.content)).toEqual(['a', 're: a', 'c']);
  });

  it('on a terminal: banner and prompt on stderr, Ctrl-C stops a reply, Ctrl-C at an empty prompt ends', async () => {
    const mark = harness.mock.received.length;
    harness.mock.route('/v1/chat/completions', async (_req, res, body) => {
      const last = (JSON.parse(body) as SentBody).messages.at(-1)?.content ?? '';
      // "slow" streams a long reply, one word every 20 ms; anything else answers at once.
      await streamChat(res, last === 'slow' ? Array.from({ length: 200 }, (_, i) => `w${i} `) : [`re: ${last}`], last === 'slow' ? 20 : 0);
    });
    const terminal = terminalIo();
    const session = runWith(terminal, { token, baseUrl: harness.url, model: 'gpt-4o' });
    await waitForText(terminal.stderr, '> ');
    expect(terminal.stderr.text()).toContain(`Chatting with gpt-4o through ${harness.url}/v1.`);

    terminal.keyboard.write('slow\r');
    await waitForText(terminal.stdout, 'w2 ');
    terminal.keyboard.write('\x03');
    await waitForText(terminal.stderr, '(reply interrupted)');
    terminal.keyboard.write('fast\r');
    await waitForText(terminal.stdout, 're: fast\n');
    terminal.keyboard.write('half-typed');
    terminal.keyboard.write('\x03');
    // One Ctrl-C at an empty prompt only warns; the second ends the session.
    terminal.keyboard.write('\x03');
    await waitForText(terminal.stderr, '(press Ctrl-C again to end the session, or type exit)');
    terminal.keyboard.write('\x03');
    const run = await session;

    expect(run.failure).toBeUndefined();
    expect(run.stdout).toMatch(/^w0 w1 w2 (w\d+ )*\nre: fast\n$/);
    expect(run.stdout).not.toContain('w199');
    const bodies = chatBodies(harness, mark);
    expect(bodies).toHaveLength(2);
    // The stopped reply is not in the history; the half-typed line was never sent.
    expect(bodies[1]?.messages).toEqual([{ role: 'user', content: 'fast' }]);
    await expect.poll(() => harness.mock.aborts).toContain('/v1/chat/completions');
  });

  it('on a terminal: checks the token before the first message', async () => {
    const revoked = await harness.issueToken();
    await harness.manage('DELETE', `/manage/tokens/${revoked.tokenId}`);
    const terminal = terminalIo();
    const run = await runWith(terminal, { token: revoked.token, baseUrl: harness.url });
    expect(run.failure?.exitCode).toBe(3);
    expect(run.failure?.message).toMatch(/^Error: the token has been revoked/);
    expect(terminal.stderr.text()).not.toContain('Chatting with');
  });

  it('on a terminal: answers /help and unknown commands itself, sends //, keeps what is typed during a reply out of it', async () => {
    const mark = harness.mock.received.length;
    harness.mock.route('/v1/chat/completions', async (_req, res, body) => {
      const last = (JSON.parse(body) as SentBody).messages.at(-1)?.content ?? '';
      await streamChat(res, last === 'slow' ? Array.from({ length: 30 }, (_, i) => `w${i} `) : [`re: ${last}`], last === 'slow' ? 20 : 0);
    });
    const noColor = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const terminal = terminalIo();
      const session = runWith(terminal, { token, baseUrl: harness.url });
      await waitForText(terminal.stderr, 'you> ');
      terminal.keyboard.write('/help\r');
      await waitForText(terminal.stderr, '/reset   clear the history');
      terminal.keyboard.write('/models please\r');
      await waitForText(terminal.stderr, 'Unknown command /models: nothing was sent');
      terminal.keyboard.write('//path\r');
      await waitForText(terminal.stdout, 're: /path\n');

      terminal.keyboard.write('slow\r');
      await waitForText(terminal.stdout, 'w2 ');
      terminal.keyboard.write('typed');
      terminal.keyboard.write(' ahead\r');
      await waitForText(terminal.stdout, 'w25 ');
      expect(terminal.stderr.text()).not.toContain('typed');
      await waitForText(terminal.stdout, 're: typed ahead\n');
      // Shown once the reply is over, as the line that is sent next.
      expect(terminal.stderr.text()).toContain('you> typed ahead\n');
      expect(terminal.stderr.text()).toContain('gpt-4> ');
      expect(terminal.stderr.text()).not.toContain('\x1b[1m');
      terminal.keyboard.write('/exit\r');
      expect((await session).failure).toBeUndefined();
      const sent = chatBodies(harness, mark).map((body) => body.messages.at(-1)?.content);
      expect(sent).toEqual(['/path', 'slow', 'typed ahead']);
    } finally {
      if (noColor === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = noColor;
    }
  });

  it('on a terminal: marks who speaks in colour unless NO_COLOR is set', async () => {
    const noColor = process.env.NO_COLOR;
    delete process.env.NO_COLOR;
    try {
      const terminal = terminalIo();
      const session = runWith(terminal, { token, baseUrl: harness.url, model: 'gpt-4o' });
      await waitForText(terminal.stderr, 'you> ');
      terminal.keyboard.write('hi\r');
      await waitForText(terminal.stdout, '\n');
      terminal.keyboard.write('\x04');
      await session;
      expect(terminal.stderr.text()).toContain('\x1b[1m\x1b[36myou> \x1b[0m\x1b[0m');
      expect(terminal.stderr.text()).toContain('\x1b[1m\x1b[32mgpt-4o> \x1b[0m\x1b[0m');
    } finally {
      if (noColor !== undefined) process.env.NO_COLOR = noColor;
    }
  });

  it('on a terminal: Ctrl-D ends the session', async () => {
    const terminal = terminalIo();
    const session = runWith(terminal, { token, baseUrl: harness.url });
    await waitForText(terminal.stderr, '> ');
    terminal.keyboard.write('\x04');
    expect(await session).toMatchObject({ stdout: '', failure: undefined });
  });
});
