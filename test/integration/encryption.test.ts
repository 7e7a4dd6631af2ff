import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_KEY, startHarness, type Harness } from '../support/proxy-harness.js';
import { rawRequest } from '../support/http.js';

describe('secrets at rest', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64') });
  });
  afterAll(() => harness.close());

  it('stores API keys encrypted and tokens only as hashes, and still proxies with the real key', async () => {
    const { token, projectId } = await harness.issueToken();
    const response = await rawRequest(harness.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(harness.mock.received.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    const file = new Database(harness.dbPath, { readonly: true });
    try {
      const project = file.prepare('select api_key from projects where id = ?').get(projectId) as { api_key: string };
      expect(project.api_key).toMatch(/^enc:v2:[0-9a-f]{8}:/);
      const dump = JSON.stringify(file.prepare('select * from tokens').all()) + JSON.stringify(file.prepare('select * from projects').all());
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.slice(3));
      expect(dump).not.toContain(UPSTREAM_KEY);
    } finally {
      file.close();
    }
  });
});
