import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptionKeyId } from '../../src/security/index.js';
import { runCli, startCliServer, type CliServer } from '../support/cli.js';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { makeTempDir } from '../support/temp-dir.js';

const MANAGEMENT_TOKEN = 'key-rotation-management-token';
const [OLD, NEW] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
const UPSTREAM_KEYS = { first: 'sk-upstream-first-0123456789abcdef', second: 'sk-upstream-second-0123456789abcdef' };

describe('rotating ENCRYPTION_KEY under running servers (built binary, SQLite file)', () => {
  let mock: MockOpenAi;
  const temp = makeTempDir('llm-proxy-rotation-');
  const dbPath = join(temp.dir, 'llm-proxy.db');
  const servers: CliServer[] = [];
  beforeAll(async () => {
    mock = await startMockOpenAi();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await mock.close();
    temp.remove();
  });

  async function serverWith(keys: Record<string, string>): Promise<CliServer> {
    const server = await startCliServer(['--db', dbPath, '--config', '/dev/null', '--log-level', 'warn'], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, OPENAI_API_URL: mock.url, LOG_REQUESTS: 'false', ...keys },
    });
    servers.push(server);
    return server;
  }

  async function stop(server: CliServer): Promise<void> {
    servers.splice(servers.indexOf(server), 1);
    await server.stop();
  }

  async function manage(server: CliServer, path: string, body: unknown): Promise<{ id: string; token: string }> {
    const response = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; token: string };
  }

  /** A project holding `apiKey` and a token of it, created through `server`. */
  async function projectToken(server: CliServer, name: string, apiKey: string): Promise<string> {
    const project = await manage(server, '/manage/projects', { name, api_key: apiKey });
    return (await manage(server, '/manage/tokens', { project_id: project.id, duration_hours: 1 })).token;
  }

  /** One chat completion through `server`: its status, and the Authorization the upstream saw. */
  async function chat(server: CliServer, token: string): Promise<{ status: number; upstreamAuthorization: string | undefined; code?: string }> {
    const before = mock.received.length;
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    const upstream = mock.received.length > before ? mock.received.at(-1)?.headers.authorization : undefined;
    return { status: response.status, upstreamAuthorization: upstream, ...(body.error?.code !== undefined && { code: body.error.code }) };
  }

  const served = (apiKey: string) => ({ status: 200, upstreamAuthorization: `Bearer ${apiKey}` });

  it('keeps serving when instances get ENCRYPTION_KEY=new and ENCRYPTION_KEY_PREVIOUS=old before rotate-key runs', async () => {
    // Before: one instance on the old key.
    const before = await serverWith({ ENCRYPTION_KEY: OLD });
    const first = await projectToken(before, 'first', UPSTREAM_KEYS.first);
    expect(await chat(before, first)).toEqual(served(UPSTREAM_KEYS.first));

    // Step 1: the new settings are deployed; such an instance reads the old rows and seals new ones with the new key.
    const deployed = await serverWith({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD });
    expect(await chat(deployed, first)).toEqual(served(UPSTREAM_KEYS.first));
    const second = await projectToken(deployed, 'second', UPSTREAM_KEYS.second);
    expect(await chat(deployed, second)).toEqual(served(UPSTREAM_KEYS.second));
    const [oldId, newId] = [OLD, NEW].map((key) => encryptionKeyId(Buffer.from(key, 'base64')));
    expect(deployed.stderr()).toContain(`Project API keys are encrypted with key id ${newId}; ENCRYPTION_KEY_PREVIOUS (key id ${oldId ?? ''}) still decrypts.`);
    await stop(before);

    // Step 2: rotate, with the instance still serving.
    const rotation = await runCli(['migrate', 'rotate-key', '--new-key-env', 'ENCRYPTION_KEY', '--db', dbPath, '--config', '/dev/null'], {
      cwd: temp.dir,
      env: { ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD },
    });
    expect([rotation.code, rotation.stderr]).toEqual([0, '']);
    expect(rotation.stdout).toContain(`re-encrypted 1, encrypted from clear 0, already under the new key 1 (new key id ${newId ?? ''})`);
    expect(await chat(deployed, first)).toEqual(served(UPSTREAM_KEYS.first));
    expect(await chat(deployed, second)).toEqual(served(UPSTREAM_KEYS.second));

    // Step 3: ENCRYPTION_KEY_PREVIOUS dropped: the new key alone reads every row.
    const newOnly = await serverWith({ ENCRYPTION_KEY: NEW });
    expect(await chat(newOnly, first)).toEqual(served(UPSTREAM_KEYS.first));
    expect(await chat(newOnly, second)).toEqual(served(UPSTREAM_KEYS.second));

    // Why the order matters: an instance left on the old key alone can no longer read the rows.
    const stale = await serverWith({ ENCRYPTION_KEY: OLD });
    expect(await chat(stale, first)).toEqual({ status: 503, upstreamAuthorization: undefined, code: 'upstream_auth_error' });
    for (const server of servers) {
      for (const secret of [OLD, NEW, ...Object.values(UPSTREAM_KEYS)]) expect(server.stderr()).not.toContain(secret);
    }
  }, 90_000);

  it('refuses to start without ENCRYPTION_KEY when REQUIRE_ENCRYPTION_KEY=true, or with ENCRYPTION_KEY_PREVIOUS alone', async () => {
    const start = (env: Record<string, string>) =>
      runCli(['server', '--addr', '127.0.0.1:0', '--db', join(temp.dir, 'refused.db'), '--config', '/dev/null'], { cwd: temp.dir, env: { MANAGEMENT_TOKEN, ...env } });
    const required = await start({ REQUIRE_ENCRYPTION_KEY: 'true' });
    expect([required.code, required.stderr]).toEqual([1, expect.stringContaining('ENCRYPTION_KEY: is required because REQUIRE_ENCRYPTION_KEY=true')]);
    const previousAlone = await start({ ENCRYPTION_KEY_PREVIOUS: OLD });
    expect([previousAlone.code, previousAlone.stderr]).toEqual([1, expect.stringContaining('ENCRYPTION_KEY_PREVIOUS (from environment): only decrypts')]);
    expect(previousAlone.stderr).not.toContain(OLD);
  });
});
