import type { ExpressionBuilder } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema/index.js';
import { toToken } from './tokens.js';
import type { Token } from './types.js';

/** A token's effective state, as the management API names it (presenters.ts decides it per token; this is the same rule in SQL). */
export type TokenState = 'active' | 'expired' | 'revoked' | 'exhausted' | 'project_inactive';

export interface TokenPageFilter {
  readonly projectId?: string | undefined;
  readonly state?: TokenState | undefined;
  readonly now: Date;
  readonly limit: number;
  readonly offset: number;
}

/** One page of tokens, newest first, and how many match in all: a list of 10,000 tokens never loads them all. */
export async function listTokenPage(database: Database, filter: TokenPageFilter): Promise<{ tokens: Token[]; total: number }> {
  const { db, codec } = database;
  const yes = codec.bool(true);
  const now = codec.time(filter.now);
  const where = (eb: ExpressionBuilder<DatabaseSchema, 'tokens'>) => {
    const parts = [];
    if (filter.projectId !== undefined) parts.push(eb('project_id', '=', filter.projectId));
    // Each state in positive terms (no NOT over a compound), which SQLite evaluates fastest.
    const live = eb('is_active', '=', yes);
    const notExpired = eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);
    const notExhausted = eb.or([eb('max_requests', 'is', null), eb('request_count', '<', eb.ref('max_requests'))]);
    // Tested against the inactive projects, usually few or none: `in (active projects)` made SQLite
    // look tokens up project by project and sort them all, instead of reading them newest first.
    const inactiveProjects = db.selectFrom('projects').select('id').where('is_active', '!=', yes);
    switch (filter.state) {
      case 'revoked':
        parts.push(eb('is_active', '!=', yes));
        break;
      case 'expired':
        parts.push(live, eb('expires_at', '<=', now));
        break;
      case 'exhausted':
        parts.push(live, notExpired, eb('request_count', '>=', eb.ref('max_requests')));
        break;
      case 'project_inactive':
        parts.push(live, notExpired, notExhausted, eb('project_id', 'in', inactiveProjects));
        break;
      case 'active':
        parts.push(live, notExpired, notExhausted, eb('project_id', 'not in', inactiveProjects));
        break;
      default:
    }
    return eb.and(parts);
  };
  const [rows, count] = await Promise.all([
    db.selectFrom('tokens').selectAll().where(where).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute(),
    db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('total')).where(where).executeTakeFirstOrThrow(),
  ]);
  return { tokens: rows.map(toToken), total: Number(count.total) };
}
