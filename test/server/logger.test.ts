import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWitheringToken } from '../../src/security/index.js';
import { createLogger, redactRequestUrl } from '../../src/server/logger.js';
import { rawRequest } from '../support/http.js';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';

const encodeAll = (text: string) => [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

describe('request URLs in the logs', () => {
  const token = generateWitheringToken();
  const secretPart = token.slice(7, -4); // what the hint sk-AbCd…WxYz leaves out

  it.each([
    ['/manage/tokens/' + token, '/manage/tokens/[redacted]'],
    ['/manage/tokens/' + token.replace('-', '%2D'), '/manage/tokens/[redacted]'],
    ['/manage/tokens/' + encodeAll(token), '/manage/tokens/[redacted]'],
    ['/manage/tokens/6f1c2a3b-0000-4000-8000-0123456789ab', '/manage/tokens/6f1c2a3b-0000-4000-8000-0123456789ab'],
    ['/manage/projects?token=' + MANAGEMENT_TOKEN, '/manage/projects?token=[redacted]'],
    ['/manage/tokens?project_id=p-1&active_only=true&auth=abc', '/manage/tokens?project_id=p-1&active_only=true&auth=[redacted]'],
    ['/manage/projects?' + token, '/manage/projects?[redacted]'],
    ['/v1/models/' + token.replace('-', '%2d'), `/v1/models/${token.slice(0, 7)}…${token.slice(-4)}`],
    ['/v1/models/gpt-4o', '/v1/models/gpt-4o'],
  ])('%s → %s', (url, logged) => {
    expect(redactRequestUrl(url)).toBe(logged);
    expect(redactRequestUrl(url)).not.toContain(secretPart);
  });
});

describe('the server log', () => {
  let harness: Harness;
  const lines: string[] = [];
  beforeAll(async () => {
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    harness = await startHarness({}, { logger: createLogger('debug', capture) });
  });
  afterAll(() => harness.close());

  it('never holds a withering token from a /manage path nor a management token from a query string', async () => {
    const { token } = await harness.issueToken();
    const headers = { authorization: `Bearer ${MANAGEMENT_TOKEN}` };
    const paths = [
      `/manage/tokens/${token}`,
      `/manage/tokens/${token.replace('-', '%2D')}`,
      `/manage/tokens/${encodeAll(token)}`,
      `/manage/tokens/${token.replace('-', '%252D')}`,
      `/manage/projects?token=${MANAGEMENT_TOKEN}`,
      `/manage/projects?management_token=${encodeURIComponent(MANAGEMENT_TOKEN)}`,
    ];
    for (const path of paths) await rawRequest(harness.url, { path, headers });
    const log = lines.join('');
    expect(log).toContain('/manage/tokens/[redacted]');
    expect(log).toContain('token=[redacted]');
    expect(log).not.toContain(token.slice(7, -4));
    expect(log).not.toContain(encodeAll(token));
    expect(log).not.toContain(MANAGEMENT_TOKEN);
  });
});
