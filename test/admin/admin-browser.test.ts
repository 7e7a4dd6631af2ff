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

  it('shows usage after a few calls, and downloads it as CSV', async () => {
    const { token } = await harness.issueToken({ projectName: 'usage-project' });
    for (let i = 0; i < 3; i += 1) expect((await models(token)).status).toBe(200);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage' }).waitFor();
    // The workshop token's call and these three (the ledger is flushed before each read).
    const requests = page.locator('table').first().locator('tbody td').first();
    expect(Number(await requests.textContent())).toBeGreaterThanOrEqual(4);
    expect(await page.locator('svg.chart').count()).toBe(1);
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
