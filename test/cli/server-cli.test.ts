import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAi, streamChat, type MockOpenAi } from '../support/mock-openai.js';
import { runCli, startCliServer } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy server (built binary)', { timeout: 60_000 }, () => {
  let mock: MockOpenAi;
  beforeAll(async () => {
    mock = await startMockOpenAi();
  });
  afterAll(() => mock.close());

  it('starts with no .env and no MANAGEMENT_TOKEN: generates one, saves it with mode 0600, prints it once', async () => {
    const temp = makeTempDir();
    try {
      const server = await startCliServer([], { cwd: temp.dir });
      const envFile = join(temp.dir, '.env');
      const token = /MANAGEMENT_TOKEN=([0-9a-f]{64})/.exec(readFileSync(envFile, 'utf8'))?.[1];
      expect(token).toBeDefined();
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      expect(server.stderr().split(token ?? '').length - 1).toBe(1);
      // An ENCRYPTION_KEY comes with it, so project keys are encrypted at rest; it is never printed.
      const encryptionKey = /ENCRYPTION_KEY=(\S+)/.exec(readFileSync(envFile, 'utf8'))?.[1] ?? '';
      expect(Buffer.from(encryptionKey, 'base64')).toHaveLength(32);
      expect(server.stderr()).not.toContain(encryptionKey);
      expect(server.stderr()).toContain(`Generated ENCRYPTION_KEY in .env: project API keys are stored encrypted.`);
      // The hints work from here: npx, and the address the server really listens on (not the client's default).
      expect(server.stderr()).toContain(`  npx llm-proxy manage project create --manage-api-base-url ${server.url} --name "My Project"`);
      expect(statSync(join(temp.dir, 'data', 'llm-proxy.db')).isFile()).toBe(true);
      const projects = await fetch(`${server.url}/manage/projects`, { headers: { authorization: `Bearer ${token}` } });
      expect(projects.status).toBe(200);
      expect(await server.stop()).toBe(0);

      // The second start reads the token from .env and prints no secret.
      const again = await startCliServer([], { cwd: temp.dir });
      expect(again.stderr()).not.toContain(token);
      expect(await again.stop('SIGINT')).toBe(0);
    } finally {
      temp.remove();
    }
  });

  it('refuses a --config that does not exist instead of creating a new configuration', async () => {
    const temp = makeTempDir();
    try {
      const result = await runCli(['server', '--config', 'prod.evn'], { cwd: temp.dir });
      expect([result.code, result.stderr]).toEqual([
        1,
        'Error: --config prod.evn: no such file (check the path; `npx llm-proxy setup --config prod.evn` creates one, and without --config ./.env is used)\n',
      ]);
      expect(readdirSync(temp.dir)).toEqual([]);
      writeFileSync(join(temp.dir, 'data'), '');
      const underFile = await runCli(['server', '--addr', '127.0.0.1:0'], { cwd: temp.dir, env: { MANAGEMENT_TOKEN: 'm' } });
      expect([underFile.code, underFile.stderr]).toEqual([
        1,
        `Error: cannot create the database: ${join(temp.dir, 'data')} is a file, not a directory (choose another path with --db)\n`,
      ]);
    } finally {
      temp.remove();
    }
  });

  it('exits 1 naming a bad setting and what it accepts', async () => {
    const result = await runCli(['server', '--addr', 'nowhere'], { env: { MANAGEMENT_TOKEN: 'm' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LISTEN_ADDR (from flag): got "nowhere"; accepted: host:port');
    const badYaml = await runCli(['server', '--api-config', '/nonexistent.yaml'], { env: { MANAGEMENT_TOKEN: 'm' } });
    expect(badYaml.code).toBe(1);
    expect(badYaml.stderr).toContain('API_CONFIG_PATH: cannot read /nonexistent.yaml');
  });

  it('lets an in-flight stream finish on SIGTERM, then exits 0', async () => {
    const temp = makeTempDir();
    try {
      writeFileSync(join(temp.dir, '.env'), `MANAGEMENT_TOKEN=mt\nOPENAI_API_URL=${mock.url}\n`);
      const server = await startCliServer(['--db', join(temp.dir, 'db.sqlite')], { cwd: temp.dir });
      const headers = { authorization: 'Bearer mt', 'content-type': 'application/json' };
      const project = (await (await fetch(`${server.url}/manage/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'p', api_key: 'sk-k' }) })).json()) as { id: string };
      const { token } = (await (await fetch(`${server.url}/manage/tokens`, { method: 'POST', headers, body: JSON.stringify({ project_id: project.id }) })).json()) as { token: string };

      mock.route('/v1/chat/completions', (_req, res) => streamChat(res, ['one ', 'two ', 'three ', 'four ', 'five'], 200));
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"stream":true}',
      });
      const reader = response.body!.getReader();
      await reader.read(); // the stream has started
      const exitCode = server.stop('SIGTERM');
      let text = '';
      const decoder = new TextDecoder();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
      expect(text).toContain('data: [DONE]');
      expect(await exitCode).toBe(0);
      expect(server.stderr()).toContain('SIGTERM: finishing in-flight requests');
      expect(server.stderr()).toContain('llm-proxy stopped\n');

      // A second signal cuts a live stream: exit 1, and the user is told.
      const again = await startCliServer(['--db', join(temp.dir, 'db.sqlite')], { cwd: temp.dir });
      const cut = await fetch(`${again.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"stream":true}',
      });
      const cutReader = cut.body!.getReader();
      await cutReader.read();
      again.child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const check = () => (again.stderr().includes('finishing in-flight') ? resolve() : setTimeout(check, 20));
        check();
      });
      const cutExit = again.stop('SIGTERM');
      await expect(cutReader.read().then(async function drain(chunk): Promise<unknown> {
        return chunk.done ? undefined : drain(await cutReader.read());
      })).rejects.toThrow();
      expect(await cutExit).toBe(1);
      expect(again.stderr()).toContain('Error: stopped at the second signal: requests and streams still in flight were cut off');
    } finally {
      temp.remove();
    }
  });
});
