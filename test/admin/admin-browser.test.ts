import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailable, launchChromium } from '../support/chromium.js';
import { MANAGEMENT_TOKEN, startHarness, UPSTREAM_KEY, type Harness } from '../support/proxy-harness.js';

const unavailable = chromiumUnavailable();

describe.skipIf(unavailable !== undefined)('admin UI in Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every dialog the page opened (type: message); confirmations are accepted. */
  const dialogs: string[] = [];
  let projectUrl = '';

  const models = (token: string) => fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.accept();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('refuses a wrong token and signs in with the right one', async () => {
    await page.goto(`${harness.url}/admin/projects`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('Management token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('not this server');
    expect(new URL(page.url()).pathname).toBe('/admin/login');

    await page.getByLabel('Management token').fill(MANAGEMENT_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.evaluate('document.cookie')).toBe(''); // HttpOnly: no script sees the session
  });

  it('creates a project', async () => {
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByLabel('Name').fill('workshop');
    await page.getByLabel('Upstream API key').fill(UPSTREAM_KEY);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'workshop' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Project created');
    expect(await page.content()).not.toContain(UPSTREAM_KEY);
    projectUrl = page.url();
  });

  it('generates a token shown once in a dialog; it works through the proxy, and stops working once revoked', async () => {
    await page.getByLabel('Max requests').fill('50');
    await page.getByRole('button', { name: 'Generate token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new token' });
    await dialog.waitFor();
    const secret = ((await dialog.locator('#secret-value').textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(20);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByRole('button', { name: 'Done' }).click();
    expect((await models(secret)).status).toBe(200);

    await page.goto(projectUrl);
    expect(await page.content()).not.toContain(secret); // once only
    await page.getByRole('button', { name: /^Revoke token/ }).click();
    await page.getByText('Token revoked').waitFor();
    expect(dialogs.at(-1)).toMatch(/^confirm: Revoke token/);
    expect((await models(secret)).status).toBe(401);
  });

  it("edits a token's limits on its page: a bad value is refused next to its field, a good one applies to the next call", async () => {
    const { token, tokenId } = await harness.issueToken({ projectName: 'limits', maxRequests: 100 });
    await page.goto(`${harness.url}/admin/tokens`);
    await page.getByRole('link', { name: /^Token sk-/ }).first().waitFor();
    await page.goto(`${harness.url}/admin/tokens/${tokenId}`);
    await page.getByLabel('Max requests').fill('-1');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.locator('#token-max-error').waitFor();
    expect(await page.locator('#token-max-error').textContent()).toContain('max_requests must be >= 0');
    expect(await page.getByLabel('Max requests').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Max requests').inputValue()).toBe('-1'); // what was typed, kept

    await page.getByLabel('Max requests').fill('1');
    await page.getByLabel('Requests per minute').fill('30');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Token limits saved').waitFor();
    expect(await page.locator('dl.facts').textContent()).toMatch(/Requests0 of 1/);
    expect((await models(token)).status).toBe(200);
    expect((await models(token)).status).toBe(429); // the cap of 1 reached

    await page.getByLabel('Max requests').fill('');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Token limits saved').waitFor();
    expect(await page.locator('dl.facts').textContent()).toMatch(/of unlimited/);
    expect((await models(token)).status).toBe(200);
  });

  it('revokes a token from its page and reactivates it: each takes effect on the next call', async () => {
    const { token, tokenId } = await harness.issueToken({ projectName: 'reactivate' });
    await page.goto(`${harness.url}/admin/tokens/${tokenId}`);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Token revoked').waitFor();
    expect(dialogs.at(-1)).toMatch(/^confirm: Revoke token/);
    expect((await models(token)).status).toBe(401);
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByText('Token reactivated').waitFor();
    expect(await page.locator('dl.facts .badge').textContent()).toBe('active');
    expect((await models(token)).status).toBe(200);
  });

  it("edits a project's OpenAI ids and rate limit: a bad id is refused next to its field, good ones go upstream", async () => {
    const { token, projectId } = await harness.issueToken({ projectName: 'openai-ids' });
    await page.goto(`${harness.url}/admin/projects/${projectId}`);
    await page.getByLabel('OpenAI organization').fill('org with spaces');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#edit-org-error').waitFor();
    expect(await page.locator('#edit-org-error').textContent()).toContain('openai_organization must be printable ASCII');

    await page.getByLabel('OpenAI organization').fill('org-admin-ui');
    await page.getByLabel('OpenAI project').fill('proj_admin_ui');
    await page.getByLabel('Project requests per minute').fill('120');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Project saved').waitFor();
    const facts = (await page.locator('dl.facts').textContent()) ?? '';
    expect(facts).toContain('org-admin-ui');
    expect(facts).toContain('proj_admin_ui');
    expect(facts).toMatch(/Requests per minute120/);
    expect((await models(token)).status).toBe(200);
    const upstream = harness.mock.received.at(-1)?.headers;
    expect(upstream?.['openai-organization']).toBe('org-admin-ui');
    expect(upstream?.['openai-project']).toBe('proj_admin_ui');
  });

  it('opens one audit record, with all its fields, from the filtered list', async () => {
    await page.goto(`${harness.url}/admin/audit?action=token.update`);
    await page.getByRole('link', { name: /^Record of token.update/ }).first().click();
    await page.getByRole('heading', { name: 'Audit record' }).waitFor();
    const record = (await page.locator('dl.facts').textContent()) ?? '';
    for (const name of ['id', 'timestamp', 'actor', 'outcome', 'project_id', 'token_id', 'request_id', 'client_ip', 'method', 'path', 'user_agent', 'metadata']) {
      expect(record).toContain(name);
    }
    expect(record).toContain('token.update');
    expect(record).toContain('(admin UI)'); // the browser's user agent, marked
    await page.getByRole('link', { name: 'all token.update records' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  });

  it('charts requests and tokens in/out on the dashboard', async () => {
    const { token } = await harness.issueToken({ projectName: 'chatty' });
    const chat = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(chat.status).toBe(200);
    await page.goto(`${harness.url}/admin/`);
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(4);
    const labels = await charts.evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute('aria-label') ?? ''));
    // The mock's answer: 5 tokens in, 3 out.
    expect(labels.find((label) => label.startsWith('Tokens per hour'))).toMatch(/: ([89]|\d\d+) tokens$/);
    expect(labels.filter((label) => label.startsWith('Tokens per')).length).toBe(2);
  });

  it('shows usage after a few calls, and downloads it as CSV', async () => {
    const { token } = await harness.issueToken({ projectName: 'usage-project' });
    for (let i = 0; i < 3; i += 1) expect((await models(token)).status).toBe(200);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    // The workshop token's call and these three (the ledger is flushed before each read).
    const requests = page.locator('table').first().locator('tbody td').first();
    expect(Number(await requests.textContent())).toBeGreaterThanOrEqual(4);
    expect(await page.locator('svg.chart').count()).toBe(2); // requests, tokens
    const href = (await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')) ?? '';
    const csv = await (await page.request.get(harness.url + href)).text();
    expect(csv.split('\r\n')[0]).toBe('start,requests,errors,cache_hits,upstream_calls,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,total_tokens');
  });

  it('purges the cache', async () => {
    await page.getByRole('link', { name: 'Cache' }).click();
    await page.getByRole('button', { name: 'Purge' }).click();
    await page.getByText('Cache purged.').waitFor();
    expect(await page.locator('[data-stat="entries"]').textContent()).toBe('0');
  });

  it('deactivates a project: its tokens are refused at once', async () => {
    const { token, projectId } = await harness.issueToken({ projectName: 'to-deactivate' });
    expect((await models(token)).status).toBe(200);
    await page.goto(`${harness.url}/admin/projects/${projectId}`);
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Project deactivated').waitFor();
    expect(await page.locator('dl.facts .badge').textContent()).toBe('inactive');
    expect((await models(token)).status).not.toBe(200);
  });

  it('deletes a project after a confirmation naming its token count', async () => {
    const { projectId } = await harness.issueToken({ projectName: 'to-delete' });
    await page.goto(`${harness.url}/admin/projects/${projectId}`);
    await page.getByRole('button', { name: 'Delete project' }).click();
    await page.getByText('Project deleted').waitFor();
    expect(dialogs.at(-1)).toBe('confirm: Delete "to-delete" and its 1 token? This cannot be undone.');
    expect((await harness.manage('GET', `/manage/projects/${projectId}`)).status).toBe(404);
  });

  it('renders a project named like markup as text, running nothing', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const before = dialogs.length;
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Upstream API key').fill(UPSTREAM_KEY);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name }).waitFor();
    await page.goto(`${harness.url}/admin/projects`);
    await page.getByRole('link', { name }).waitFor();
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs.slice(before)).toEqual([]);
  });

  it('revokes every token of a project after a confirmation naming how many', async () => {
    const { token, projectId } = await harness.issueToken({ projectName: 'revoke-all' });
    await page.goto(`${harness.url}/admin/projects/${projectId}`);
    await page.getByRole('button', { name: 'Revoke all tokens' }).click();
    await page.getByText('Every token of the project is revoked').waitFor();
    expect(dialogs.at(-1)).toBe('confirm: Revoke all 1 token of "revoke-all"? They stop working at once.');
    expect((await models(token)).status).toBe(401);
  });

  it('fits every page in 375 px without sideways scrolling, with every field labelled', async () => {
    const { tokenId, projectId } = await harness.issueToken({ projectName: 'a-project-with-a-rather-long-name-for-a-narrow-screen' });
    await page.goto(`${harness.url}/admin/audit`);
    const record = (await page.getByRole('link', { name: /^Record of / }).first().getAttribute('href')) ?? '';
    for (const path of ['/admin/', '/admin/projects', `/admin/projects/${projectId}`, '/admin/tokens', `/admin/tokens/${tokenId}`, '/admin/usage', '/admin/cache', '/admin/audit', record, '/admin/live']) {
      await page.goto(harness.url + path);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect([path, overflow]).toEqual([path, 0]);
      // Evaluated in the page (a string: the tests are compiled without the DOM's types).
      const unlabelled = await page.evaluate<string[]>(
        `[...document.querySelectorAll('input:not([type=hidden]), select')].filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label')).map((field) => field.name)`,
      );
      expect([path, unlabelled]).toEqual([path, []]);
    }
  });

  it('works from the keyboard: the skip link is the first stop, a form submits with Enter', async () => {
    const { tokenId } = await harness.issueToken({ projectName: 'keyboard' });
    await page.goto(`${harness.url}/admin/tokens/${tokenId}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.getByLabel('Requests per minute').focus();
    await page.keyboard.type('45');
    await page.keyboard.press('Enter');
    await page.getByText('Token limits saved').waitFor();
    expect(await page.locator('dl.facts').textContent()).toMatch(/Requests per minute45/);
  });

  it('follows a dark system setting', async () => {
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await page.goto(`${harness.url}/admin/`);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    await page.emulateMedia({ colorScheme: 'light' });
    expect(light).toBe('rgb(247, 247, 248)');
    expect(dark).toBe('rgb(20, 22, 26)');
  });

  it('logs out: the old session cookie no longer opens a page', async () => {
    const [session] = await context.cookies();
    expect(session?.name).toBe('llm_proxy_admin');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const old = await fetch(`${harness.url}/admin/`, { redirect: 'manual', headers: { cookie: `llm_proxy_admin=${session?.value}` } });
    expect(old.status).toBe(303);
    expect(old.headers.get('location')).toBe('/admin/login');
  });
});
