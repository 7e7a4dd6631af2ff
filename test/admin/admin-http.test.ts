import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/admin/index.js';
import { startHarness, UPSTREAM_KEY, type Harness } from '../support/proxy-harness.js';
import { adminClient } from './admin-client.js';

interface AuditList {
  events: { action: string; outcome: string; reason: string | null; actor: string; user_agent: string | null }[];
}

describe('admin UI over HTTP', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => harness.close());

  it('sends every page behind a login, with the CSP and the other security headers', async () => {
    const client = adminClient(harness.url);
    const anonymous = await client.get('/admin/projects');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/admin/login');
    const login = await client.get('/admin/login');
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(login.headers.get('referrer-policy')).toBe('same-origin');
    const page = await login.text();
    expect(page).not.toMatch(/<script>|<style|style="| on[a-z]+="/); // nothing inline for the CSP to refuse
  });

  it('refuses a wrong token (401, audited as denied) and logs in with the right one: an HttpOnly, SameSite=Strict session cookie', async () => {
    const client = adminClient(harness.url);
    const wrong = await client.login('not-the-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('not this server');
    expect(client.cookie).toBeUndefined();

    const right = await client.login();
    expect(right.status).toBe(303);
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^llm_proxy_admin=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/admin/);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP, no trusted proxy
    expect(cookie).not.toMatch(/Max-Age|Expires/); // the server ends it; the browser forgets it when it closes
    expect(cookie).not.toContain('test-management-token');
    expect((await client.get('/admin/')).status).toBe(200);

    await harness.proxy.audit.flush();
    const audit = await harness.manage<AuditList>('GET', '/manage/audit?action=admin.login');
    expect(audit.body.events.map((event) => event.outcome).sort()).toEqual(['denied', 'success']);
    expect(audit.body.events.find((event) => event.outcome === 'denied')?.reason).toBe('wrong management token');
  });

  it('refuses a POST without the CSRF token or with a wrong one (403), and takes it with the right one', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const name = `csrf-${Date.now()}`;
    expect((await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY }, { csrf: null })).status).toBe(403);
    expect((await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY }, { csrf: 'x'.repeat(43) })).status).toBe(403);
    const projects = await harness.manage<{ name: string }[]>('GET', '/manage/projects');
    expect(projects.body.map((project) => project.name)).not.toContain(name);
    const ok = await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/admin\/projects\/[^/]+\?notice=project-created$/);
  });

  it('shows the projects with errors in the last 24 hours on the dashboard', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const { token } = await harness.issueToken({ projectName: `failing-${Date.now()}` });
    const failed = await fetch(`${harness.url}/v1/files/no-such-file`, { headers: { authorization: `Bearer ${token}` } });
    expect(failed.status).toBe(404);
    await failed.text();
    // The call reaches the ledger once its response is over (an event recorder): shortly after the client has it.
    await expect.poll(async () => (await client.get('/admin/')).text(), { timeout: 5000, interval: 100 }).toMatch(/Recent errors, last 24 hours[\s\S]*failing-\d+<\/a><\/td>\n<td class="num">1<\/td>/);
  });

  it('refuses a POST from another origin, the login included', async () => {
    const foreign = adminClient(harness.url, { origin: 'https://evil.example' });
    expect((await foreign.login()).status).toBe(403);
    expect(foreign.cookie).toBeUndefined();
    const sameSite = adminClient(harness.url, { origin: harness.url });
    expect((await sameSite.login()).status).toBe(303);
  });

  it('streams proxied calls to the live page, without bodies or tokens', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const { token } = await harness.issueToken();
    const controller = new AbortController();
    const stream = await fetch(`${harness.url}/admin/live/stream`, { headers: { cookie: client.cookie ?? '' }, signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const first = await reader.read(); // ": connected": subscribed from here on
    text += new TextDecoder().decode(first.value);
    expect((await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    for (let reads = 0; reads < 20 && !text.includes('event: call'); reads += 1) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(/event: call\ndata: (.*)\n/.exec(text)?.[1] ?? '{}') as Record<string, unknown>;
    expect(data).toMatchObject({ method: 'GET', path: '/v1/models', status: 200 });
    expect(text).not.toContain(token);
    // Without a session, no stream.
    expect((await fetch(`${harness.url}/admin/live/stream`, { redirect: 'manual' })).status).toBe(303);
  });

  it('renders a project named like markup as text', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const name = `<img src=x onerror=alert(1)> ${Date.now()}`;
    const created = await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY });
    const page = await (await client.get(created.headers.get('location') ?? '')).text();
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows the API error next to the field it is about, and keeps the key out of the page', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const name = `taken-${Date.now()}`;
    await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY });
    const again = await client.post('/admin/projects', { name, api_key: UPSTREAM_KEY });
    expect(again.status).toBe(409);
    const page = await again.text();
    expect(page).toMatch(/id="new-name-error">a project named/);
    expect(page).not.toContain(UPSTREAM_KEY);
  });

  it('generates a token from the form, with its cap and rate limit, and shows it once', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const project = await harness.manage<{ id: string }>('POST', '/manage/projects', { name: `form-${Date.now()}`, api_key: UPSTREAM_KEY });
    const answer = await client.post('/admin/tokens', { project_id: project.body.id, duration_minutes: '60', max_requests: '7', requests_per_minute: '30', return: `/projects/${project.body.id}` });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const page = await answer.text();
    const secret = /id="secret-value">([^<]+)</.exec(page)?.[1] ?? '';
    expect(secret).toMatch(/^sk-/);
    const token = await harness.manage<{ max_requests: number; requests_per_minute: number; project_id: string }>('GET', `/manage/tokens/${secret}`);
    expect(token.body).toMatchObject({ project_id: project.body.id, max_requests: 7, requests_per_minute: 30 });
    expect(await (await client.get(`/admin/projects/${project.body.id}`)).text()).not.toContain(secret);
    // A refused lifetime comes back as the API's message, on the page.
    const refused = await client.post('/admin/tokens', { project_id: project.body.id, duration_minutes: '0', return: '/tokens' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/role="alert">[^<]*duration_minutes/);
  });

  it('ends the session at logout: the old cookie no longer opens a page', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const logout = await client.post('/admin/logout', {});
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/llm_proxy_admin=;/);
    const after = await client.get('/admin/');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/admin/login');
  });

  it('shows the usage report\'s refusals as the API words them: a range too long (400), a project that never was (404)', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const long = await client.get('/admin/usage?granularity=hour&from=2026-01-01&to=2026-03-01');
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('more than the 744 a query with granularity=hour may cover');
    const badDate = await client.get('/admin/usage?from=yesterday');
    expect(badDate.status).toBe(400);
    expect(await badDate.text()).toContain('from: must be an ISO 8601 date or time');
    const unknown = await client.get('/admin/usage.csv?project_id=no-such-project');
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('project no-such-project not found, and the usage ledger holds nothing of it');
    const csv = await client.get('/admin/usage.csv?from=2026-05-01&to=2026-05-03');
    expect(await csv.text()).toBe(
      'start,requests,errors,cache_hits,upstream_calls,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,total_tokens\r\n' +
        '2026-05-01T00:00:00.000Z,0,0,0,0,0,0,0,0,0\r\n2026-05-02T00:00:00.000Z,0,0,0,0,0,0,0,0,0\r\n',
    );
  });

  it('serves its assets with a content hash, a year of caching and at most 80 KB gzipped in all', async () => {
    const client = adminClient(harness.url);
    await client.login();
    const page = await (await client.get('/admin/')).text();
    const urls = [...page.matchAll(/(?:href|src)="(\/admin\/assets\/admin\.[0-9a-f]{12}\.(?:css|js))"/g)].map((match) => match[1] as string);
    expect(urls).toHaveLength(2);
    let gzipped = 0;
    for (const url of urls) {
      const asset = await fetch(harness.url + url, { headers: { 'accept-encoding': 'identity' } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      gzipped += gzipSync(Buffer.from(await asset.arrayBuffer()), { level: 9 }).length;
    }
    expect(gzipped).toBeLessThan(80 * 1024);
  });

  it('rate-limits failed logins per address (429), and audits them', async () => {
    const ip = '203.0.113.77';
    const limited = await startHarness({ AUDIT_TRUST_PROXY_HEADERS: 'true' });
    try {
      const client = adminClient(limited.url, { 'x-forwarded-for': ip });
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1) statuses.push((await client.login('wrong')).status);
      expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
      // Even the right token waits out the window.
      expect((await client.login()).status).toBe(429);
      // Another address is not held up.
      const other = adminClient(limited.url, { 'x-forwarded-for': '203.0.113.78', 'x-forwarded-proto': 'https' });
      const ok = await other.login();
      expect(ok.status).toBe(303);
      expect(ok.headers.get('set-cookie')).toMatch(/Secure/); // a trusted proxy said https
      await limited.proxy.audit.flush();
      const audit = await limited.manage<AuditList>('GET', '/manage/audit?action=admin.login&outcome=denied&page_size=100');
      expect(audit.body.events).toHaveLength(12);
    } finally {
      await limited.close();
    }
  });

  it('is not there with ADMIN_UI_ENABLED=false, and moves with ADMIN_UI_PATH', async () => {
    const off = await startHarness({ ADMIN_UI_ENABLED: 'false' });
    const moved = await startHarness({ ADMIN_UI_PATH: '/console/' });
    try {
      expect((await fetch(`${off.url}/admin/login`)).status).toBe(404);
      expect((await fetch(`${moved.url}/console/login`)).status).toBe(200);
      expect((await fetch(`${moved.url}/admin/login`)).status).toBe(404);
    } finally {
      await off.close();
      await moved.close();
    }
  });
});
