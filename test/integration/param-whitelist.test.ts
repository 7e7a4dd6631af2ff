import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf, rawRequest } from '../support/http.js';
import { startMockOpenAi, type MockOpenAi } from '../support/mock-openai.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('param_whitelist fails closed', () => {
  const temp = makeTempDir();
  let harness: Harness;
  let upstream: MockOpenAi;
  let token: string;

  beforeAll(async () => {
    const configPath = join(temp.dir, 'api_providers.yaml');
    upstream = await startMockOpenAi();
    writeFileSync(
      configPath,
      `apis:\n  openai:\n    base_url: ${upstream.url}\n    allowed_endpoints: [/v1/chat/completions, /v1/files]\n    allowed_methods: [GET, POST]\n    param_whitelist:\n      model: [gpt-4o-mini]\n`,
    );
    harness = await startHarness({ API_CONFIG_PATH: configPath });
    ({ token } = await harness.issueToken({ maxRequests: 100 }));
  });
  afterAll(async () => {
    await harness.close();
    await upstream.close();
    temp.remove();
  });

  function post(body: string, contentType?: string) {
    return rawRequest(harness.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${token}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
  }

  it('forwards a JSON body whose parameters are allowed', async () => {
    const response = await post('{"model":"gpt-4o-mini","messages":[]}', 'application/json');
    expect(response.status).toBe(200);
  });

  it('refuses a value outside the whitelist, a body that is not JSON, and a body not sent as JSON, without contacting the upstream', async () => {
    const before = upstream.received.length;
    const refusals = await Promise.all([
      post('{"model":"gpt-4o","messages":[]}', 'application/json'),
      post('{"model":"gpt-4o", broken', 'application/json'),
      post('{"model":"gpt-4o","messages":[]}', 'text/plain'),
      post('model=gpt-4o', 'application/x-www-form-urlencoded'),
      post('["gpt-4o"]', 'application/json'),
    ]);
    expect(refusals.map((response) => [response.status, errorCodeOf(response)])).toEqual([
      [400, 'param_not_allowed'],
      [400, 'invalid_body'],
      [400, 'invalid_body'],
      [400, 'invalid_body'],
      [400, 'invalid_body'],
    ]);
    expect(upstream.received.length).toBe(before);
  });
});
