import type { KyselyPlugin } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProject, issueToken, type OperationDeps } from '../../src/manage/index.js';
import { createTokenAuthenticator, extractBearerToken, type TokenAuthenticator } from '../../src/proxy/index.js';
import { createApiKeyCipher } from '../../src/security/index.js';
import { createUsageWriter, findTokenById, updateProject, updateToken, type UsageWriter } from '../../src/store/index.js';
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
    let queries = 0;
    const countingPlugin: KyselyPlugin = {
      transformQuery(args) {
        if (args.node.kind === 'SelectQueryNode') queries += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const counting = { ...db.database, db: db.database.db.withPlugin(countingPlugin) };
    const shared = createTokenAuthenticator({ database: counting, cipher: deps.cipher, usage, cacheTtlMs: 5_000, now: () => nowMs });
    await Promise.all(Array.from({ length: 20 }, () => shared.admit(`Bearer ${plaintext}`)));
    expect(queries).toBe(1);
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
});
