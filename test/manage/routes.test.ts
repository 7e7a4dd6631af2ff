import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_TOKEN, UPSTREAM_KEY, startHarness, type Harness } from '../support/proxy-harness.js';
import { rawRequest } from '../support/http.js';

interface ApiError {
  error: { message: string; type: string; code: string };
}
interface Project {
  id: string;
  name: string;
  api_key: string;
  is_active: boolean;
  deactivated_at: string | null;
  openai_organization: string | null;
  openai_project: string | null;
}
interface Token {
  id: string;
  token: string;
  project_id: string;
  is_active: boolean;
  max_requests: number | null;
  expires_at: string;
  request_count: number;
}

describe('management API', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  const createProject = (name: string, apiKey = UPSTREAM_KEY) => harness.manage<Project>('POST', '/manage/projects', { name, api_key: apiKey });

  it('requires the management token, compared exactly', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${MANAGEMENT_TOKEN}`, `Bearer ${MANAGEMENT_TOKEN}x`]) {
      const response = await rawRequest(harness.url, { path: '/manage/projects', headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain('application/json');
      expect((JSON.parse(response.body) as ApiError).error.code).toBe('invalid_management_token');
    }
    const lowercase = await rawRequest(harness.url, { path: '/manage/projects', headers: { authorization: `bearer ${MANAGEMENT_TOKEN}` } });
    expect(lowercase.status).toBe(200);
  });

  it('creates, reads, updates and lists projects without ever showing the key in clear', async () => {
    const created = await createProject('alpha');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alpha', is_active: true, deactivated_at: null, api_key: '****cdef' });
    const all = JSON.stringify([
      created.body,
      (await harness.manage('GET', `/manage/projects/${created.body.id}`)).body,
      (await harness.manage('GET', '/manage/projects')).body,
      (await harness.manage('PATCH', `/manage/projects/${created.body.id}`, { name: 'alpha-2', api_key: 'sk-new-key-abcdefghijkl' })).body,
    ]);
    expect(all).not.toContain(UPSTREAM_KEY);
    expect(all).not.toContain('sk-new-key-abcdefghijkl');
    const renamed = await harness.manage<Project>('GET', `/manage/projects/${created.body.id}`);
    expect(renamed.body).toMatchObject({ name: 'alpha-2', api_key: '****ijkl' });
  });

  it('validates project bodies with clear 400s', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'x' }, /body\.api_key/],
      [{ name: '', api_key: 'sk-1234567890' }, /name must not be empty/],
      [{ name: 'x', api_key: 'sk-abcd...wxyz' }, /obfuscated API key/],
      [{ name: 'x', api_key: 'k', extra: true }, /unknown field\(s\) extra/],
      [{ name: 'x', api_key: 'sk-abc\u2013def' }, /body\.api_key: api_key contains a character that cannot be sent in an HTTP header \(U\+2013 at position 7\)/],
      [{ name: 'x', api_key: 'sk-abc def' }, /body\.api_key: api_key contains a character that cannot be sent in an HTTP header \(U\+0020/],
    ];
    for (const [body, message] of cases) {
      const response = await harness.manage<ApiError>('POST', '/manage/projects', body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.message).toMatch(message);
    }
    const notJson = await rawRequest(harness.url, {
      method: 'POST',
      path: '/manage/projects',
      headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}`, 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    expect((JSON.parse(notJson.body) as ApiError).error.code).toBe('invalid_request');
    const project = await createProject('header-safe-key');
    const badKey = await harness.manage<ApiError>('PATCH', `/manage/projects/${project.body.id}`, { api_key: 'sk-new\u00a0key-0123456789' });
    expect([badKey.status, badKey.body.error.code]).toEqual([400, 'invalid_request']);
    expect(badKey.body.error.message).toMatch(/body\.api_key: api_key contains a character that cannot be sent in an HTTP header \(U\+00A0/);
    const patch = await harness.manage<ApiError>('PATCH', `/manage/projects/whatever`, { revoke_tokens: true });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toMatch(/revoke_tokens requires is_active=false/);
  });

  it("keeps a project's OpenAI organization and project ids: set, shown, changed and cleared", async () => {
    const created = await harness.manage<Project>('POST', '/manage/projects', {
      name: 'with-openai-ids',
      api_key: UPSTREAM_KEY,
      openai_organization: 'org-AbC123',
      openai_project: 'proj_XyZ789',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ openai_organization: 'org-AbC123', openai_project: 'proj_XyZ789' });
    const path = `/manage/projects/${created.body.id}`;
    expect((await harness.manage<Project>('GET', path)).body).toMatchObject({ openai_organization: 'org-AbC123', openai_project: 'proj_XyZ789' });
    const changed = await harness.manage<Project>('PATCH', path, { openai_organization: 'org-Other' });
    expect(changed.body).toMatchObject({ openai_organization: 'org-Other', openai_project: 'proj_XyZ789' });
    const cleared = await harness.manage<Project>('PATCH', path, { openai_organization: '', openai_project: null });
    expect(cleared.body).toMatchObject({ openai_organization: null, openai_project: null });
    expect((await createProject('without-openai-ids')).body).toMatchObject({ openai_organization: null, openai_project: null });

    const cases: [string, unknown, RegExp][] = [
      ['POST', { name: 'bad-org', api_key: UPSTREAM_KEY, openai_organization: 'org abc' }, /body\.openai_organization: openai_organization must be printable ASCII without spaces .*HTTP header/],
      ['POST', { name: 'bad-proj', api_key: UPSTREAM_KEY, openai_project: 'proj\u2013x' }, /body\.openai_project: openai_project must be printable ASCII/],
      ['PATCH', { openai_project: 'p'.repeat(256) }, /body\.openai_project: openai_project must be at most 255 characters/],
    ];
    for (const [method, body, message] of cases) {
      const response = await harness.manage<ApiError>(method, method === 'POST' ? '/manage/projects' : path, body);
      expect([response.status, response.body.error.code, response.body.error.message]).toEqual([400, 'invalid_request', expect.stringMatching(message)]);
    }
  });

  it('refuses a duplicate project name with 409 and an unknown project with 404', async () => {
    await createProject('dup');
    const again = await createProject('dup');
    expect([again.status, (again.body as unknown as ApiError).error.code]).toEqual([409, 'project_name_taken']);
    const missing = await harness.manage<ApiError>('GET', '/manage/projects/00000000-0000-0000-0000-000000000000');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'project_not_found']);
  });

  it('mints tokens in hours or minutes, with max_requests, and shows them only once', async () => {
    const project = await createProject('tokens');
    const byHours = await harness.manage<{ token: string; id: string; expires_at: string; max_requests: number | null }>('POST', '/manage/tokens', {
      project_id: project.body.id,
      duration_hours: 2,
      max_requests: 10,
    });
    expect(byHours.status).toBe(201);
    expect(byHours.body.token).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(byHours.body.expires_at) - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(byHours.body.max_requests).toBe(10);
    const byMinutes = await harness.manage<{ expires_at: string; max_requests: null }>('POST', '/manage/tokens', {
      project_id: project.body.id,
      duration_minutes: 30,
      max_requests: 0,
    });
    expect(Date.parse(byMinutes.body.expires_at) - Date.now()).toBeLessThan(31 * 60_000);
    expect(byMinutes.body.max_requests).toBeNull();
    const byDefault = await harness.manage<{ expires_at: string }>('POST', '/manage/tokens', { project_id: project.body.id });
    expect(Date.parse(byDefault.body.expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);

    const listed = await harness.manage<Token[]>('GET', `/manage/tokens?project_id=${project.body.id}`);
    expect(listed.body).toHaveLength(3);
    expect(JSON.stringify(listed.body)).not.toContain(byHours.body.token);
    expect(listed.body.map((t) => t.token)).toContain(`${byHours.body.token.slice(0, 7)}…${byHours.body.token.slice(-4)}`);
  });

  it('validates token bodies', async () => {
    const project = await createProject('token-validation');
    const cases: [unknown, number, string | RegExp][] = [
      [{}, 400, /project_id/],
      [{ project_id: project.body.id, duration_hours: 1, duration_minutes: 60 }, 400, /not both/],
      [{ project_id: project.body.id, duration_hours: 9000 }, 400, /at most 8760/],
      [{ project_id: project.body.id, duration_hours: -1 }, 400, /duration_hours/],
      [{ project_id: project.body.id, duration_hours: 1e-300 }, 400, /duration_hours must be at least 1\/60 \(one minute\)/],
      [{ project_id: project.body.id, duration_hours: 0.001 }, 400, /duration_hours must be at least 1\/60/],
      [{ project_id: project.body.id, duration_hours: 1e300 }, 400, /duration_hours must be at most 8760/],
      [{ project_id: project.body.id, duration_minutes: 0.5 }, 400, /duration_minutes must be a whole number/],
      [{ project_id: project.body.id, duration_minutes: 0 }, 400, /duration_minutes must be at least 1 \(one minute\)/],
      [{ project_id: project.body.id, duration_minutes: 1e12 }, 400, /duration_minutes must be at most 525600/],
      [{ project_id: project.body.id, max_requests: -5 }, 400, /max_requests must be >= 0/],
      [{ project_id: 'nope' }, 404, /project nope not found/],
    ];
    for (const [body, status, message] of cases) {
      const response = await harness.manage<ApiError>('POST', '/manage/tokens', body);
      expect([response.status, response.body.error.message]).toEqual([status, expect.stringMatching(message)]);
    }
  });

  it('refuses tokens for an inactive project with 403', async () => {
    const project = await createProject('inactive');
    const deactivated = await harness.manage<Project>('PATCH', `/manage/projects/${project.body.id}`, { is_active: false });
    expect(deactivated.body.is_active).toBe(false);
    expect(deactivated.body.deactivated_at).not.toBeNull();
    const refused = await harness.manage<ApiError>('POST', '/manage/tokens', { project_id: project.body.id });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'project_inactive']);
  });

  it('finds a token by id or by the token itself, updates and revokes it', async () => {
    const { token, tokenId } = await harness.issueToken();
    const byId = await harness.manage<Token>('GET', `/manage/tokens/${tokenId}`);
    const bySecret = await harness.manage<Token>('GET', `/manage/tokens/${token}`);
    expect(bySecret.body).toEqual(byId.body);
    const limited = await harness.manage<Token>('PATCH', `/manage/tokens/${token}`, { max_requests: 3 });
    expect(limited.body.max_requests).toBe(3);
    const unlimited = await harness.manage<Token>('PATCH', `/manage/tokens/${tokenId}`, { max_requests: 0 });
    expect(unlimited.body.max_requests).toBeNull();
    const revoked = await harness.manage<Token>('DELETE', `/manage/tokens/${token}`);
    expect([revoked.status, revoked.body.is_active]).toEqual([200, false]);
    const again = await harness.manage<Token>('DELETE', `/manage/tokens/${tokenId}`);
    expect(again.status).toBe(200);
    const unknown = await harness.manage<ApiError>('GET', '/manage/tokens/sk-AAAAAAAAAAAAAAAAAAAAAA');
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([404, 'not_found', 'token not found']);
    const empty = await harness.manage<ApiError>('PATCH', `/manage/tokens/${tokenId}`, {});
    expect(empty.status).toBe(400);
  });

  it('filters active tokens and deletes a project with its tokens', async () => {
    const { projectId, tokenId } = await harness.issueToken();
    const second = await harness.manage<{ id: string }>('POST', '/manage/tokens', { project_id: projectId });
    await harness.manage('DELETE', `/manage/tokens/${tokenId}`);
    const active = await harness.manage<Token[]>('GET', `/manage/tokens?projectId=${projectId}&active_only=true`);
    expect(active.body.map((t) => t.id)).toEqual([second.body.id]);
    const deleted = await harness.manage<{ deleted: boolean; tokens_deleted: number }>('DELETE', `/manage/projects/${projectId}`);
    expect(deleted.body).toEqual({ id: projectId, deleted: true, tokens_deleted: 2 });
    const gone = await harness.manage<Token[]>('GET', `/manage/tokens?project_id=${projectId}`);
    expect(gone.body).toEqual([]);
    const again = await harness.manage('DELETE', `/manage/projects/${projectId}`);
    expect(again.status).toBe(404);
  });

  it('serves an OpenAPI document of the management API', async () => {
    const response = await rawRequest(harness.url, { path: '/manage/openapi.json' });
    const document = JSON.parse(response.body) as { openapi: string; paths: Record<string, object> };
    expect(document.openapi).toMatch(/^3\./);
    const createProjectDoc = JSON.stringify(document.paths['/manage/projects']);
    for (const field of ['openai_organization', 'openai_project']) expect(createProjectDoc).toContain(field);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/manage/projects', '/manage/projects/{id}', '/manage/projects/{id}/tokens/revoke', '/manage/tokens', '/manage/tokens/{id}']),
    );
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await rawRequest(harness.url, { path: '/nowhere' });
    expect(response.status).toBe(404);
    expect((JSON.parse(response.body) as ApiError).error.code).toBe('not_found');
  });
});
