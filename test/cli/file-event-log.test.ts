import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { runCli, startCliServer } from '../support/cli.js';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { makeTempDir } from '../support/temp-dir.js';

const MANAGEMENT_TOKEN = 'file-event-log-management-token';

function readEvents(path: string): ProxyEvent[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ProxyEvent);
}

describe('FILE_EVENT_LOG (built binary)', { timeout: 60_000 }, () => {
  let mock: MockOpenAi;
  beforeAll(async () => {
    mock = await startMockOpenAi();
  });
  afterAll(() => mock.close());

  it('appends one JSON line per proxied call, continues in a new file after SIGHUP, and writes no secret', async () => {
    const temp = makeTempDir();
    const logPath = join(temp.dir, 'logs', 'events.jsonl');
    const server = await startCliServer(['--db', join(temp.dir, 'db.sqlite')], {
      cwd: temp.dir,
      env: { MANAGEMENT_TOKEN, OPENAI_API_URL: mock.url, FILE_EVENT_LOG: logPath, LOG_REQUESTS: 'false' },
    });
    try {
      const manage = async (path: string, body: unknown) => {
        const response = await fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return (await response.json()) as { id: string; token: string };
      };
      const project = await manage('/manage/projects', { name: 'events', api_key: 'sk-upstream-key-for-events-0123456789' });
      const { token } = await manage('/manage/tokens', { project_id: project.id, duration_hours: 1 });
      const call = (requestId: string) =>
        fetch(`${server.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': requestId },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((response) => response.text());

      await call('before-rotation-1');
      await call('before-rotation-2');
      await expect.poll(() => readEvents(logPath).length).toBe(2);
      renameSync(logPath, `${logPath}.1`);
      server.child.kill('SIGHUP');
      // The server handles the signal before the next request reaches it (same event loop, signal first).
      await new Promise((resolve) => setTimeout(resolve, 200));
      await call('after-rotation');
      await expect.poll(() => readEvents(logPath).map((event) => event.request_id)).toEqual(['after-rotation']);
      expect(readEvents(`${logPath}.1`).map((event) => event.request_id)).toEqual(['before-rotation-1', 'before-rotation-2']);
      const [event] = readEvents(logPath);
      expect(event).toMatchObject({ schema_version: 1, path: '/v1/chat/completions', status: 200, model: 'gpt-4o-mini', project_id: project.id });
      expect(event?.usage).toMatchObject({ total_tokens: 8, source: 'provider' });
      const written = readFileSync(`${logPath}.1`, 'utf8') + readFileSync(logPath, 'utf8');
      for (const secret of [token, MANAGEMENT_TOKEN, 'sk-upstream-key-for-events-0123456789']) expect(written).not.toContain(secret);
    } finally {
      expect(await server.stop()).toBe(0);
      temp.remove();
    }
  });

  it('refuses to start when the file cannot be opened, naming it', async () => {
    const temp = makeTempDir();
    try {
      writeFileSync(join(temp.dir, 'not-a-directory'), '');
      const path = join(temp.dir, 'not-a-directory', 'events.jsonl');
      const result = await runCli(['server', '--addr', '127.0.0.1:0', '--db', join(temp.dir, 'db.sqlite'), '--file-event-log', path], {
        cwd: temp.dir,
        env: { MANAGEMENT_TOKEN },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot open FILE_EVENT_LOG ${path} for appending (ENOTDIR): choose a writable path or unset FILE_EVENT_LOG`);
    } finally {
      temp.remove();
    }
  });
});
