// `npm run screenshots`: PNGs of every admin UI page in docs/screenshots/, from a real server
// with a little data (projects, tokens, calls through the proxy) driven by Debian's Chromium.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../test/support/chromium.js';
import { MANAGEMENT_TOKEN, startHarness } from '../test/support/proxy-harness.js';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
mkdirSync(OUT, { recursive: true });

const harness = await startHarness();
const browser = await launchChromium();
try {
  const issued = [];
  for (const name of ['workshop-march', 'support-bot', 'data-team']) issued.push(await harness.issueToken({ projectName: name, maxRequests: 500 }));
  for (const [index, { token }] of issued.entries()) {
    for (let call = 0; call < 4 + index * 3; call += 1) {
      await fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${call}` }] }),
      });
    }
  }
  // A few failed calls, for the dashboard's recent errors.
  for (let call = 0; call < 2; call += 1) await fetch(`${harness.url}/v1/files/missing-${call}`, { headers: { authorization: `Bearer ${issued[2]?.token}` } });

  for (const scheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(`${harness.url}/admin/login`);
    if (scheme === 'light') await page.screenshot({ path: join(OUT, 'login.png') });
    await page.getByLabel('Management token').fill(MANAGEMENT_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    if (scheme === 'dark') {
      await page.screenshot({ path: join(OUT, 'dashboard-dark.png'), fullPage: true });
      await context.close();
      continue;
    }
    const pages: [string, string][] = [
      ['dashboard', '/admin/'],
      ['projects', '/admin/projects'],
      ['project', `/admin/projects/${issued[0]?.projectId}`],
      ['tokens', '/admin/tokens'],
      ['usage', '/admin/usage'],
      ['cache', '/admin/cache'],
      ['audit', '/admin/audit'],
      ['live', '/admin/live'],
      ['token', `/admin/tokens/${issued[2]?.tokenId}`],
    ];
    for (const [name, path] of pages) {
      await page.goto(harness.url + path);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    }
    // One audit record, opened from the list.
    await page.goto(`${harness.url}/admin/audit?action=token.create`);
    await page.getByRole('link', { name: /^Record of / }).first().click();
    await page.getByRole('heading', { name: 'Audit record' }).waitFor();
    await page.screenshot({ path: join(OUT, 'audit-record.png'), fullPage: true });
    // The new token's dialog, and the tokens list on a phone.
    await page.goto(`${harness.url}/admin/projects/${issued[1]?.projectId}`);
    await page.getByRole('button', { name: 'Generate token' }).click();
    await page.getByRole('dialog').waitFor();
    await page.screenshot({ path: join(OUT, 'token-created.png') });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${harness.url}/admin/tokens`);
    await page.screenshot({ path: join(OUT, 'tokens-375.png'), fullPage: true });
    await context.close();
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  await browser.close();
  await harness.close();
}
