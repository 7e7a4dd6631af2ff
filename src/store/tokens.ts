import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { readBool, readOptionalTime, readTime } from './codec.js';
import type { Database } from './database.js';
import { toProject } from './projects.js';
import type { TokensTable } from './schema/index.js';
import type { Token, TokenCredential } from './types.js';

export function toToken(row: Selectable<TokensTable>): Token {
  return {
    id: row.id,
    hint: row.token_hint,
    projectId: row.project_id,
    expiresAt: readOptionalTime(row.expires_at),
    isActive: readBool(row.is_active),
    requestCount: Number(row.request_count),
    maxRequests: row.max_requests === null ? null : Number(row.max_requests),
    requestsPerMinute: row.requests_per_minute === null || row.requests_per_minute === undefined ? null : Number(row.requests_per_minute),
    cacheHitCount: Number(row.cache_hit_count),
    createdAt: readTime(row.created_at),
    lastUsedAt: readOptionalTime(row.last_used_at),
    deactivatedAt: readOptionalTime(row.deactivated_at),
  };
}

export interface NewToken {
  readonly tokenHash: string;
  readonly hint: string;
  readonly projectId: string;
  readonly expiresAt: Date | null;
  readonly maxRequests: number | null;
  /** null = no rate limit. */
  readonly requestsPerMinute?: number | null;
  readonly now: Date;
}

export async function insertToken(database: Database, input: NewToken): Promise<Token> {
  const { db, codec } = database;
  const row: Selectable<TokensTable> = {
    id: randomUUID(),
    token_hash: input.tokenHash,
    token_hint: input.hint,
    project_id: input.projectId,
    expires_at: input.expiresAt && codec.time(input.expiresAt),
    is_active: codec.bool(true),
    request_count: 0,
    max_requests: input.maxRequests,
    requests_per_minute: input.requestsPerMinute ?? null,
    cache_hit_count: 0,
    created_at: codec.time(input.now),
    last_used_at: null,
    deactivated_at: null,
  };
  await database.write(() => db.insertInto('tokens').values(row).execute());
  return toToken(row);
}

export interface TokenFilter {
  readonly projectId?: string;
  /** Only tokens that are active, not expired at `now`, and of an active project. */
  readonly activeOnly?: boolean;
  readonly now: Date;
}

/** Tokens, newest first. */
export async function listTokens({ db, codec }: Database, filter: TokenFilter): Promise<Token[]> {
  let query = db.selectFrom('tokens').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
  if (filter.activeOnly) {
    query = query
      .where('is_active', '=', codec.bool(true))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', codec.time(filter.now))]))
      // A deactivated project's tokens are refused at the proxy: not active, whatever their own flag says.
      .where('project_id', 'in', db.selectFrom('projects').select('id').where('is_active', '=', codec.bool(true)));
  }
  const rows = await query.execute();
  return rows.map(toToken);
}

export async function findTokenById({ db }: Database, id: string): Promise<Token | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

export async function findTokenByHash({ db }: Database, tokenHash: string): Promise<Token | undefined> {
  const row = await db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toToken(row);
}

/** The token with this hash and its project, in one query (served by the token_hash unique index). */
export async function findCredential({ db }: Database, tokenHash: string): Promise<TokenCredential | undefined> {
  const row = await db
    .selectFrom('tokens')
    .innerJoin('projects', 'projects.id', 'tokens.project_id')
    .selectAll('tokens')
    .select([
      'projects.name as p_name',
      'projects.api_key as p_api_key',
      'projects.openai_organization as p_openai_organization',
      'projects.openai_project as p_openai_project',
      'projects.requests_per_minute as p_requests_per_minute',
      'projects.is_active as p_is_active',
      'projects.deactivated_at as p_deactivated_at',
      'projects.created_at as p_created_at',
      'projects.updated_at as p_updated_at',
    ])
    .where('tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    token: toToken(row),
    project: toProject({
      id: row.project_id,
      name: row.p_name,
      api_key: row.p_api_key,
      openai_organization: row.p_openai_organization,
      openai_project: row.p_openai_project,
      requests_per_minute: row.p_requests_per_minute,
      is_active: row.p_is_active,
      deactivated_at: row.p_deactivated_at,
      created_at: row.p_created_at,
      updated_at: row.p_updated_at,
    }),
  };
}

/**
 * Counts one request against a limited token, atomically: one conditional UPDATE that only
 * succeeds while the token is active, unexpired and under max_requests. True = admitted.
 */
export async function consumeLimitedRequest(database: Database, tokenId: string, now: Date): Promise<boolean> {
  const { db, codec } = database;
  const nowText = codec.time(now);
  const result = await database.write(() =>
    db
      .updateTable('tokens')
      .set((eb) => ({ request_count: eb('request_count', '+', 1), last_used_at: nowText }))
      .where('id', '=', tokenId)
      .where('is_active', '=', codec.bool(true))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowText)]))
      .where((eb) => eb.or([eb('max_requests', 'is', null), eb('request_count', '<', eb.ref('max_requests'))]))
      .executeTakeFirst(),
  );
  return result.numUpdatedRows === 1n;
}

/** Gives back one request consumed by consumeLimitedRequest (the proxy refused it after all). */
export async function releaseLimitedRequest(database: Database, tokenId: string): Promise<void> {
  const { db } = database;
  await database.write(() =>
    db
      .updateTable('tokens')
      .set((eb) => ({ request_count: eb('request_count', '-', 1) }))
      .where('id', '=', tokenId)
      .where('request_count', '>', 0)
      .execute(),
  );
}

export interface UsageDelta {
  readonly tokenId: string;
  readonly requests: number;
  readonly cacheHits: number;
  readonly lastUsedAt: Date;
}

/** Adds batched usage counts (write-behind of unlimited tokens) in one transaction. */
export async function applyUsageDeltas(database: Database, deltas: readonly UsageDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const { db, codec } = database;
  await database.write(() =>
    db.transaction().execute(async (trx) => {
      // In id order, so that batches of several instances lock the rows in the same order.
      for (const delta of [...deltas].sort((a, b) => (a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0))) {
        await trx
          .updateTable('tokens')
          .set((eb) => ({
            request_count: eb('request_count', '+', delta.requests),
            cache_hit_count: eb('cache_hit_count', '+', delta.cacheHits),
            last_used_at: codec.time(delta.lastUsedAt),
          }))
          .where('id', '=', delta.tokenId)
          .execute();
      }
    }),
  );
}

export interface TokenChanges {
  readonly isActive?: boolean;
  /** null = unlimited. */
  readonly maxRequests?: number | null;
  /** null removes the limit. */
  readonly requestsPerMinute?: number | null;
  readonly expiresAt?: Date | null;
}

/** Applies changes to one token (never touches its counters); revocation stamps deactivated_at. */
export async function updateToken(
  database: Database,
  id: string,
  changes: TokenChanges,
  now: Date,
): Promise<Token | undefined> {
  const { db, codec } = database;
  const current = await findTokenById(database, id);
  if (!current) return undefined;
  const activeChange =
    changes.isActive === undefined || changes.isActive === current.isActive
      ? {}
      : { is_active: codec.bool(changes.isActive), deactivated_at: changes.isActive ? null : codec.time(now) };
  const set = {
    ...activeChange,
    ...(changes.maxRequests !== undefined && { max_requests: changes.maxRequests }),
    ...(changes.requestsPerMinute !== undefined && { requests_per_minute: changes.requestsPerMinute }),
    ...(changes.expiresAt !== undefined && { expires_at: changes.expiresAt && codec.time(changes.expiresAt) }),
  };
  if (Object.keys(set).length > 0) await database.write(() => db.updateTable('tokens').set(set).where('id', '=', id).execute());
  return findTokenById(database, id);
}

export interface BulkRevokeResult {
  readonly totalTokens: number;
  readonly revokedCount: number;
  readonly alreadyRevokedCount: number;
}

/** Revokes every active token of a project in one statement. */
export async function revokeProjectTokens(
  database: Database,
  projectId: string,
  now: Date,
): Promise<BulkRevokeResult> {
  const { db, codec } = database;
  return database.write(() =>
    db.transaction().execute(async (trx) => {
      const { total } = await trx
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('project_id', '=', projectId)
        .executeTakeFirstOrThrow();
      const result = await trx
        .updateTable('tokens')
        .set({ is_active: codec.bool(false), deactivated_at: codec.time(now) })
        .where('project_id', '=', projectId)
        .where('is_active', '=', codec.bool(true))
        .executeTakeFirst();
      const revokedCount = Number(result.numUpdatedRows);
      return { totalTokens: Number(total), revokedCount, alreadyRevokedCount: Number(total) - revokedCount };
    }),
  );
}
