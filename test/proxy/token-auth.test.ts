import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProject, issueToken, type OperationDeps } from '../../src/manage/index.js';
import { createTokenAuthenticator, extractBearerToken, type TokenAuthenticator } from '../../src/proxy/index.js';
import { createApiKeyCipher, generateWitheringToken, hashToken } from '../../src/security/index.js';
import { createUsageWriter, findTokenById, insertToken, updateProject, updateToken, type UsageWriter } from '../../src/store/index.js';
import { openTestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;

describe('token authenticator (real SQLite)', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let nowMs: number;
  let deps: OperationDeps;
  let usage: UsageWriter;
  let auth: TokenAuthenticator;
  const key = Buffer.alloc(32, 9);

  beforeEach(async () => {
    db = await openTestDatabase();
    nowMs = Date.parse('2026-01-01T00:00:00Z');
    deps = { database: db.database, cipher: createApiKeyCipher(key), now: () => new Date(nowMs) };
    usage = createUsageWriter(db.database, { flushIntervalMs: 60_000 });
    auth = createTokenAuthenticator({ database: db.database, cipher: deps.cipher, usage, cacheTtlMs: 5_000, now: () => nowMs });
  });
  afterEach(async () => {
    await usage.close();
    await db.dispose();
  });

  /** An authenticator whose database counts the SELECTs it runs. */
  function countingSelects(options: { maxCachedTokens?: number; maxUnknownTokens?: number } = {}) {
    const counter = { selects: 0, auth: undefined as unknown as TokenAuthenticator };
    const countingPlugin: KyselyPlugin = {
      transformQuery(args) {
        if (args.node.kind === 'SelectQueryNode') counter.selects += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const database = { ...db.database, db: db.database.db.withPlugin(countingPlugin) };
    counter.auth = createTokenAuthenticator({ database, cipher: deps.cipher, usage, cacheTtlMs: 5_000, now: () => nowMs, ...options });
    return counter;
  }

  async function mint(maxRequests: number | null = null, hours = 1) {
    const project = await createProject(deps, { name: `p-${Math.random()}`, apiKey: 'sk-upstream-secret-key' });
    const issued = await issueToken(deps, { projectId: project.id, durationMs: hours * HOUR, maxRequests });
    return { project, ...issued };
  }

  it('extracts bearer tokens', () => {
    expect(extractBearerToken('Bearer sk-AAAAAAAAAAAAAAAAAAAAAA')).toBe('sk-AAAAAAAAAAAAAAAAAAAAAA');
    expect(extractBearerToken('bearer   sk-AAAAAAAAAAAAAAAAAAAAAA  ')).toBe('sk-AAAAAAAAAAAAAAAAAAAAAA');
    expect(extractBearerToken('Token sk-AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(extractBearerToken('Bearer')).toBeUndefined();
    expect(extractBearerToken(undefined)).toBeUndefined();
  });

  it('admits a valid token with the decrypted project key', async () => {
    const { plaintext, token, project } = await mint();
    const admission = await auth.admit(`Bearer ${plaintext}`);
    expect(admission).toMatchObject({ tokenId: token.id, projectId: project.id, upstreamAuthorization: 'Bearer sk-upstream-secret-key' });
  });

  it('admits from the cache synchronously only what admit would admit without the database', async () => {
    const { plaintext, token } = await mint();
    const header = `Bearer ${plaintext}`;
    expect(auth.admitCached(header)).toBeUndefined(); // not cached yet
    await auth.admit(header);
    expect(auth.admitCached(header)?.tokenId).toBe(token.id);
    auth.invalidateToken(token.id);
    expect(auth.admitCached(header)).toBeUndefined();
    await auth.admit(header);
    nowMs += HOUR; // expired: left to admit, which refuses
    expect(auth.admitCached(header)).toBeUndefined();

    const limited = await mint(5);
    await auth.admit(`Bearer ${limited.plaintext}`);
    expect(auth.admitCached(`Bearer ${limited.plaintext}`)).toBeUndefined(); // counted in the database
    expect(auth.admitCached('Bearer nonsense')).toBeUndefined();
    await usage.flush();
    expect((await findTokenById(db.database, token.id))?.requestCount).toBe(3);
  });

  it('refuses an expired token exactly at its expiry, even from the cache', async () => {
    const { plaintext } = await mint(null, 1);
    await auth.admit(`Bearer ${plaintext}`);
    nowMs += HOUR - 1;
    await expect(auth.admit(`Bearer ${plaintext}`)).resolves.toBeTruthy();
    nowMs += 1;
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'token_expired', statusCode: 401 });
  });

  it('sees database changes made behind its back once the cache entry expires', async () => {
    const { plaintext, token, project } = await mint();
    await auth.admit(`Bearer ${plaintext}`);
    await updateToken(db.database, token.id, { isActive: false }, new Date(nowMs));
    nowMs += 5_000;
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'token_inactive' });
    await updateToken(db.database, token.id, { isActive: true }, new Date(nowMs));
    await updateProject(db.database, project.id, { isActive: false }, new Date(nowMs));
    auth.invalidateProject(project.id);
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'project_inactive', statusCode: 403 });
  });

  it('counts limited tokens in the database and refuses past the limit', async () => {
    const { plaintext, token } = await mint(3);
    for (let i = 0; i < 3; i++) await auth.admit(`Bearer ${plaintext}`);
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'token_quota_exhausted', statusCode: 429 });
    expect((await findTokenById(db.database, token.id))?.requestCount).toBe(3);
  });

  it('tells a revoked limited token from an exhausted one', async () => {
    const { plaintext, token } = await mint(10);
    await auth.admit(`Bearer ${plaintext}`);
    await updateToken(db.database, token.id, { isActive: false }, new Date(nowMs)); // cache still says active
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'token_inactive' });
  });

  it('writes usage of unlimited tokens in batches', async () => {
    const { plaintext, token } = await mint();
    for (let i = 0; i < 7; i++) await auth.admit(`Bearer ${plaintext}`);
    expect((await findTokenById(db.database, token.id))?.requestCount).toBe(0);
    await usage.flush();
    const stored = await findTokenById(db.database, token.id);
    expect(stored?.requestCount).toBe(7);
    expect(stored?.lastUsedAt?.getTime()).toBe(nowMs);
  });

  it('shares one database lookup among concurrent misses', async () => {
    const { plaintext } = await mint();
    const counting = countingSelects();
    await Promise.all(Array.from({ length: 20 }, () => counting.auth.admit(`Bearer ${plaintext}`)));
    expect(counting.selects).toBe(1);
  });

  it('remembers unknown tokens: after warm-up, a flood of made-up tokens costs no query', async () => {
    const counting = countingSelects();
    const handful = Array.from({ length: 5 }, generateWitheringToken);
    const many = Array.from({ length: 500 }, generateWitheringToken);
    for (const token of [...handful, ...many]) await expect(counting.auth.admit(`Bearer ${token}`)).rejects.toMatchObject({ code: 'token_not_found' });
    expect(counting.selects).toBe(505);

    counting.selects = 0;
    for (let i = 0; i < 1000; i++) {
      const token = i % 2 === 0 ? handful[i % 5] : many[i % 500];
      const header = i % 3 === 0 ? `bearer  ${token}` : `Bearer ${token}`; // header variants share the entry
      await expect(counting.auth.admit(header)).rejects.toMatchObject({ code: 'token_not_found', statusCode: 401 });
    }
    expect(counting.selects).toBe(0);

    nowMs += 5_000; // remembered for min(token cache TTL, 5 s)
    await expect(counting.auth.admit(`Bearer ${handful[0]}`)).rejects.toMatchObject({ code: 'token_not_found' });
    expect(counting.selects).toBe(1);
  });

  it('remembers a bounded number of unknown tokens, the least recently seen forgotten first', async () => {
    const counting = countingSelects({ maxUnknownTokens: 3 });
    const [a, b, c, d] = Array.from({ length: 4 }, generateWitheringToken);
    for (const token of [a, b, c, a, d]) await counting.auth.admit(`Bearer ${token}`).catch(() => undefined);
    expect(counting.selects).toBe(4); // a seen again before d: b was the least recent
    for (const token of [a, c, d]) await counting.auth.admit(`Bearer ${token}`).catch(() => undefined);
    expect(counting.selects).toBe(4);
    await counting.auth.admit(`Bearer ${b}`).catch(() => undefined);
    expect(counting.selects).toBe(5);
  });

  it('admits a token created after a lookup of the same value as soon as its creation is signalled', async () => {
    const { project } = await mint();
    const plaintext = generateWitheringToken();
    await expect(auth.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'token_not_found' });
    const token = await insertToken(db.database, {
      tokenHash: hashToken(plaintext),
      hint: 'sk-AAAA…ZZZZ',
      projectId: project.id,
      expiresAt: null,
      maxRequests: null,
      now: new Date(nowMs),
    });
    auth.tokenCreated();
    await expect(auth.admit(`Bearer ${plaintext}`)).resolves.toMatchObject({ tokenId: token.id });
  });

  it('keeps the most recently used tokens cached when full (LRU)', async () => {
    const counting = countingSelects({ maxCachedTokens: 2 });
    const [a, b, c] = [await mint(), await mint(), await mint()].map(({ plaintext }) => `Bearer ${plaintext}`);
    for (const header of [a, b, a, c]) await counting.auth.admit(header);
    expect(counting.selects).toBe(3); // a used after b: c evicted b
    await counting.auth.admit(a);
    expect(counting.auth.admitCached(c)).toBeDefined();
    expect(counting.selects).toBe(3);
    await counting.auth.admit(b);
    expect(counting.selects).toBe(4);
  });

  it('refuses with upstream_auth_error when the project key cannot be decrypted', async () => {
    const { plaintext } = await mint();
    const wrongKey = createTokenAuthenticator({
      database: db.database,
      cipher: createApiKeyCipher(Buffer.alloc(32, 1)),
      usage,
      cacheTtlMs: 5_000,
      now: () => nowMs,
    });
    await expect(wrongKey.admit(`Bearer ${plaintext}`)).rejects.toMatchObject({ code: 'upstream_auth_error', statusCode: 503 });
  });

  it("carries the project's OpenAI organization and project ids as upstream headers", async () => {
    const { plaintext, project } = await mint();
    expect((await auth.admit(`Bearer ${plaintext}`)).upstreamHeaders).toEqual([]);
    await updateProject(db.database, project.id, { openaiOrganization: 'org-abc', openaiProject: 'proj_xyz' }, new Date(nowMs));
    auth.invalidateProject(project.id);
    const admission = await auth.admit(`Bearer ${plaintext}`);
    expect(admission.upstreamHeaders).toEqual(['openai-organization', 'org-abc', 'openai-project', 'proj_xyz']);
    expect(auth.admitCached(`Bearer ${plaintext}`)?.upstreamHeaders).toBe(admission.upstreamHeaders); // built once
  });

  it('refuses with upstream_auth_error a stored OpenAI id that cannot be sent in a header', async () => {
    const { plaintext, project } = await mint();
    await updateProject(db.database, project.id, { openaiProject: 'proj\u00a0x' }, new Date(nowMs));
    const refused = auth.admit(`Bearer ${plaintext}`);
    await expect(refused).rejects.toMatchObject({ code: 'upstream_auth_error' });
    await expect(refused).rejects.toThrow(/stored OpenAI project id .* \(U\+00A0.*--openai-project <id>/);
  });

  it('refuses with upstream_auth_error a stored key that cannot be sent in a header, and reports it once without the key', async () => {
    const { plaintext, project } = await mint();
    const storedKey = 'sk-pasted\u2013from-a-document';
    await updateProject(db.database, project.id, { storedApiKey: storedKey }, new Date(nowMs));
    const reports: string[] = [];
    const reporting = createTokenAuthenticator({
      database: db.database,
      cipher: deps.cipher,
      usage,
      cacheTtlMs: 0, // every request reloads the credential
      now: () => nowMs,
      onKeyError: (projectId, error) => reports.push(`${projectId}: ${(error as Error).message}`),
    });
    for (let i = 0; i < 3; i++) {
      const refused = reporting.admit(`Bearer ${plaintext}`);
      await expect(refused).rejects.toMatchObject({ code: 'upstream_auth_error', statusCode: 503 });
      await expect(refused).rejects.toThrow(/contains a character that cannot be sent in an HTTP header \(U\+2013.*manage project update .* --openai-key/);
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(project.id);
    expect(reports[0]).not.toContain(storedKey);
  });
});
