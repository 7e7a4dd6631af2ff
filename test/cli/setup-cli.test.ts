import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'dotenv';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { runCli, startCliServer } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('llm-proxy setup (built binary)', () => {
  let mock: MockOpenAi;
  beforeAll(async () => {
    mock = await startMockOpenAi();
  });
  afterAll(() => mock.close());

  it('writes .env (0600), creates the project and a working token, printed once', async () => {
    const temp = makeTempDir();
    try {
      const envFile = join(temp.dir, 'conf', '.env');
      const result = await runCli(
        ['setup', '--openai-key', 'sk-setup-key-0123456789', '--project', 'My Project', '--duration', '168', '--config', envFile, '--db', join(temp.dir, 'proxy.db'), '--addr', '127.0.0.1:0'],
        { cwd: temp.dir },
      );
      expect(result.code).toBe(0);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      const written = parse(readFileSync(envFile));
      expect(written).toMatchObject({ OPENAI_API_KEY: 'sk-setup-key-0123456789', DATABASE_PATH: join(temp.dir, 'proxy.db'), LISTEN_ADDR: '127.0.0.1:0', LOG_LEVEL: 'info' });
      expect(written.MANAGEMENT_TOKEN).toMatch(/^[0-9a-f]{64}$/);
      expect(result.stdout).toContain(`Generated management token (also in ${envFile}; shown only this once): ${written.MANAGEMENT_TOKEN}`);
      expect(result.stdout).toContain('Project "My Project" created');
      expect(result.stdout).not.toContain('sk-setup-key-0123456789');
      const token = /^\s+(sk-[A-Za-z0-9_-]{22})$/m.exec(result.stdout)?.[1];
      expect(token).toBeDefined();

      // The server started on that configuration accepts the token and sends the project's key.
      writeFileSync(envFile, readFileSync(envFile, 'utf8') + `OPENAI_API_URL=${mock.url}\n`);
      const server = await startCliServer(['--config', envFile], { cwd: temp.dir });
      try {
        const response = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(mock.received.at(-1)?.headers.authorization).toBe('Bearer sk-setup-key-0123456789');
        const tokens = (await (await fetch(`${server.url}/manage/tokens`, { headers: { authorization: `Bearer ${written.MANAGEMENT_TOKEN}` } })).json()) as {
          expires_at: string;
        }[];
        expect(Date.parse(tokens[0]?.expires_at ?? '') - Date.now()).toBeGreaterThan(167 * 3_600_000);
      } finally {
        expect(await server.stop()).toBe(0);
      }

      // Running it again keeps the management token and reuses the project.
      const again = await runCli(['setup', '--openai-key', 'sk-setup-key-rotated', '--project', 'My Project', '--config', envFile, '--db', join(temp.dir, 'proxy.db')], {
        cwd: temp.dir,
      });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('exists');
      expect(again.stdout).not.toContain('Generated management token');
      expect(parse(readFileSync(envFile)).MANAGEMENT_TOKEN).toBe(written.MANAGEMENT_TOKEN);
      expect(parse(readFileSync(envFile)).OPENAI_API_URL).toBe(mock.url);
    } finally {
      temp.remove();
    }
  });

  it('--skip-project only writes the configuration, with the given management token', async () => {
    const temp = makeTempDir();
    try {
      const result = await runCli(['setup', '--openai-key', 'sk-k', '--management-token', 'my-token', '--skip-project'], { cwd: temp.dir });
      expect(result.code).toBe(0);
      expect(parse(readFileSync(join(temp.dir, '.env'))).MANAGEMENT_TOKEN).toBe('my-token');
      expect(result.stdout).not.toContain('my-token');
      expect(() => statSync(join(temp.dir, 'data', 'llm-proxy.db'))).toThrow();
    } finally {
      temp.remove();
    }
  });

  it('asks for everything with --interactive, reading answers from a pipe', async () => {
    const temp = makeTempDir();
    try {
      const answers = ['', 'sk-interactive-key-123456', '', join(temp.dir, 'i.db'), ':9999', 'y', 'Interactive', '2', ''].join('\n');
      const result = await runCli(['setup', '--interactive'], { cwd: temp.dir, input: answers });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Configuration file path [.env]: ');
      expect(result.stderr).toContain('Token lifetime in hours [24]: ');
      expect(parse(readFileSync(join(temp.dir, '.env')))).toMatchObject({ OPENAI_API_KEY: 'sk-interactive-key-123456', LISTEN_ADDR: ':9999' });
      expect(result.stdout).toContain('Project "Interactive" created');
    } finally {
      temp.remove();
    }
  });

  it('explains what is missing', async () => {
    const temp = makeTempDir();
    try {
      const result = await runCli(['setup'], { cwd: temp.dir });
      expect([result.code, result.stderr]).toEqual([1, 'Error: --openai-key is required (or set OPENAI_API_KEY, or run llm-proxy setup --interactive)\n']);
      const badAddr = await runCli(['setup', '--openai-key', 'k', '--addr', 'somewhere'], { cwd: temp.dir });
      expect(badAddr.code).toBe(1);
      expect(badAddr.stderr).toContain('--addr must be host:port');
    } finally {
      temp.remove();
    }
  });
});
