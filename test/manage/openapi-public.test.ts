import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/proxy-harness.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the management API and the README agree on what needs the management token', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('serves /manage/openapi.json without a token, as the README says, and nothing else', async () => {
    expect((await fetch(`${harness.url}/manage/openapi.json`)).status).toBe(200);
    expect(README.replace(/\s+/g, ' ')).toContain(
      'All routes need `Authorization: Bearer <MANAGEMENT_TOKEN>` (compared in constant time), except `GET /manage/openapi.json`',
    );
    for (const path of ['/manage/projects', '/manage/tokens']) expect((await fetch(harness.url + path)).status).toBe(401);
  });
});
