import { join } from 'node:path';
import { pino } from 'pino';
import { createTestConfig, type SettingName } from '../../src/config/index.js';
import { buildApp, type AppOverrides, type LlmProxyApp } from '../../src/server/index.js';
import { startMockOpenAi, type MockOpenAi } from './mock-openai.js';
import { makeTempDir } from './temp-dir.js';

export const MANAGEMENT_TOKEN = 'test-management-token';
export const UPSTREAM_KEY = 'sk-upstream-real-key-0123456789abcdef';

export interface Harness {
  /** Base URL of the running proxy, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly mock: MockOpenAi;
  readonly proxy: LlmProxyApp;
  readonly dbPath: string;
  /** Calls the management API; resolves with status and parsed JSON body. */
  manage<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Creates a project with UPSTREAM_KEY and a token for it. */
  issueToken(options?: { maxRequests?: number; hours?: number; projectName?: string }): Promise<{ token: string; tokenId: string; projectId: string }>;
  /** Moves a token's expiry into the past, straight in the database (the API refuses lifetimes under a minute). */
  expireToken(tokenId: string): Promise<void>;
  close(): Promise<void>;
}

let projectCounter = 0;

/** A real proxy (real SQLite file, real sockets) in front of a mock OpenAI upstream, both on 127.0.0.1. */
export async function startHarness(settings: Partial<Record<SettingName, string>> = {}, overrides: AppOverrides = {}): Promise<Harness> {
  const mock = await startMockOpenAi();
  const temp = makeTempDir();
  const dbPath = join(temp.dir, 'llm-proxy.db');
  const config = createTestConfig({ OPENAI_API_URL: mock.url, DATABASE_PATH: dbPath, ...settings });
  const proxy = await buildApp(config, { logger: pino({ level: 'silent' }), ...overrides });
  const url = await proxy.listen();

  async function manage<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${MANAGEMENT_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  return {
    url,
    mock,
    proxy,
    dbPath,
    manage,
    async issueToken(options = {}) {
      projectCounter += 1;
      const project = await manage<{ id: string }>('POST', '/manage/projects', {
        name: options.projectName ?? `project-${projectCounter}-${Date.now()}`,
        api_key: UPSTREAM_KEY,
      });
      if (project.status !== 201) throw new Error(`project creation failed: ${JSON.stringify(project.body)}`);
      const created = await manage<{ id: string; token: string }>('POST', '/manage/tokens', {
        project_id: project.body.id,
        duration_hours: options.hours ?? 1,
        ...(options.maxRequests === undefined ? {} : { max_requests: options.maxRequests }),
      });
      if (created.status !== 201) throw new Error(`token creation failed: ${JSON.stringify(created.body)}`);
      return { token: created.body.token, tokenId: created.body.id, projectId: project.body.id };
    },
    async expireToken(tokenId) {
      const past = new Date(Date.now() - 1000).toISOString();
      await proxy.database.db.updateTable('tokens').set({ expires_at: past }).where('id', '=', tokenId).execute();
    },
    async close() {
      await proxy.close();
      await mock.close();
      temp.remove();
    },
  };
}
