import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'dotenv';
import { startMockOpenAi, type MockOpenAi } from '../../support/mock-openai.js';
import { runCli, startCliServer } from '../../support/cli.js';
import { makeTempDir } from '../../support/temp-dir.js';

// Each test spawns the binary several times: allow for a busy machine.
describe('llm-proxy setup (built binary)', { timeout: 60_000 }, () => {
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
      // Project keys are encrypted at rest by default; the key is never printed.
      expect(Buffer.from(written.ENCRYPTION_KEY ?? '', 'base64')).toHaveLength(32);
      expect(result.stdout).toContain(`Generated ENCRYPTION_KEY in ${envFile}: project API keys are stored encrypted.`);
      expect(result.stdout).not.toContain(written.ENCRYPTION_KEY);
      expect(readFileSync(join(temp.dir, 'proxy.db')).includes('sk-setup-key-0123456789')).toBe(false);
      expect(result.stdout).toContain('The server will listen on 127.0.0.1:0 (this address only; as chosen).');
      expect(result.stdout).toContain(`npx llm-proxy server --config ${envFile}`);
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
      expect(again.stdout).not.toContain('ENCRYPTION_KEY');
      expect(parse(readFileSync(envFile)).ENCRYPTION_KEY).toBe(written.ENCRYPTION_KEY);
      expect(again.stdout).toContain(`The server will listen on 127.0.0.1:0 (this address only; kept from ${envFile}).`);
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
      const written = parse(readFileSync(join(temp.dir, '.env')));
      expect(written).toMatchObject({ MANAGEMENT_TOKEN: 'my-token', LISTEN_ADDR: ':8080' });
      expect(result.stdout).not.toContain('my-token');
      expect(result.stdout).toContain('The server will listen on :8080 (all interfaces; the default; choose with --addr).');
      expect(result.stdout).toContain('Next: start the server with `npx llm-proxy server` (or `npm start`).');
      expect(() => statSync(join(temp.dir, 'data', 'llm-proxy.db'))).toThrow();
    } finally {
      temp.remove();
    }
  });

  it('--no-encryption-key leaves project keys in clear, and says so', async () => {
    const temp = makeTempDir();
    try {
      const result = await runCli(['setup', '--openai-key', 'sk-k', '--skip-project', '--no-encryption-key'], { cwd: temp.dir });
      expect(result.code).toBe(0);
      expect(parse(readFileSync(join(temp.dir, '.env'))).ENCRYPTION_KEY).toBeUndefined();
      expect(result.stdout).toContain('No ENCRYPTION_KEY (--no-encryption-key): project API keys are stored in clear.');
    } finally {
      temp.remove();
    }
  });

  it('refuses a key that cannot travel in an HTTP header, or a database path under a file, before writing anything', async () => {
    const temp = makeTempDir();
    try {
      const badKey = await runCli(['setup', '--openai-key', 'sk-ab\u001b[Dc'], { cwd: temp.dir });
      expect([badKey.code, badKey.stderr]).toEqual([
        1,
        'Error: --openai-key contains a character that cannot be sent in an HTTP header (U+001B at position 6); paste the key again as plain text\n',
      ]);
      const fromEnv = await runCli(['setup'], { cwd: temp.dir, env: { OPENAI_API_KEY: 'sk-pasted key' } });
      expect(fromEnv.stderr).toMatch(/^Error: OPENAI_API_KEY contains a character that cannot be sent in an HTTP header \(U\+0020/);
      writeFileSync(join(temp.dir, 'data'), '');
      const underFile = await runCli(['setup', '--openai-key', 'sk-k'], { cwd: temp.dir });
      expect([underFile.code, underFile.stderr]).toEqual([
        1,
        `Error: --db ${join(temp.dir, 'data')} is a file, not a directory (choose another path with --db)\n`,
      ]);
      expect(existsSync(join(temp.dir, '.env'))).toBe(false);
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

      // A bad piped answer names the question (asking again would take the next answer).
      const bad = await runCli(['setup', '--interactive'], { cwd: temp.dir, input: ['', '', '', '', '', 'y', 'P', 'abc', ''].join('\n') });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Error: Token lifetime in hours [24]: expected a positive number of hours\n');
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
