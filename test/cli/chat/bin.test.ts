import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { streamChat } from '../../support/mock-openai.js';
import type { Harness } from '../../support/proxy-harness.js';
import { useSharedHarness } from '../../support/shared-harness.js';
import { runCli } from '../../support/cli.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { cliCommand } from '../../../src/cli/invocation.js';

const CLI_COMMAND = cliCommand();

describe('llm-proxy openai chat, the built binary with piped stdin', () => {
  const shared = useSharedHarness();
  let harness: Harness;
  let token: string;
  const temp = makeTempDir();

  beforeEach(() => {
    ({ harness, token } = shared);
  });
  afterAll(() => temp.remove());

  // The child sees only these variables and runs in an empty directory (no .env).
  const chat = (args: string[], options: { input: string; env?: Record<string, string> }) =>
    runCli(['openai', 'chat', '--base-url', harness.url, ...args], { cwd: temp.dir, env: options.env, input: options.input });

  it('prints only the replies on stdout and exits 0, the token from PROXY_TOKEN', async () => {
    const result = await chat([], { input: 'hello\nwhat did I say?\n', env: { PROXY_TOKEN: token } });
    expect(result).toEqual({ code: 0, stdout: 'echo: hello\necho: what did I say?\n', stderr: '' });
  });

  it('exits 3 with one line on stderr when the token was revoked', async () => {
    const revoked = await harness.issueToken();
    await harness.manage('DELETE', `/manage/tokens/${revoked.tokenId}`);
    const result = await chat(['--token', revoked.token, '--no-stream'], { input: 'hello\n' });
    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr: `Error: the token has been revoked: ask for a new one (${CLI_COMMAND} manage token generate --project-id <project-id>)\n`,
    });
  });

  it('exits 1 with a one-line fix when there is no token, and on a bad flag', async () => {
    const missing = await chat([], { input: 'hello\n' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Error: a withering token is required: pass --token sk-… or set PROXY_TOKEN (${CLI_COMMAND} manage token generate --project-id <project-id> issues one)\n`,
    );
    const badTemperature = await chat(['--token', token, '--temperature', '3'], { input: '' });
    expect(badTemperature.code).toBe(1);
    expect(badTemperature.stderr).toContain("option '--temperature <n>' argument '3' is invalid. expected a number from 0 to 2.");
  });

  it('stops the streaming reply on SIGINT and goes on with the next line', async () => {
    harness.mock.route('/v1/chat/completions', async (_req, res, body) => {
      const last = (JSON.parse(body) as { messages: { content: string }[] }).messages.at(-1)?.content;
      if (last === 'slow') await streamChat(res, Array.from({ length: 500 }, (_, i) => `w${i} `), 10);
      else await streamChat(res, [`re: ${last}`]);
    });
    let hasSignalled = false;
    const result = await runCli(['openai', 'chat', '--base-url', harness.url, '--token', token], {
      cwd: temp.dir,
      input: 'slow\nfast\n',
      onStdout(stdout, child) {
        if (!hasSignalled && stdout.includes('w1 ')) {
          hasSignalled = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^w0 w1 (w\d+ )*\nre: fast\n$/);
    expect(result.stderr).toBe('(reply interrupted)\n');
  });
});
