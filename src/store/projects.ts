import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { readBool, readOptionalTime, readTime } from './codec.js';
import type { Database } from './database.js';
import type { ProjectsTable } from './schema/index.js';
import type { Project } from './types.js';

export function toProject(row: Selectable<ProjectsTable>): Project {
  return {
    id: row.id,
    name: row.name,
    storedApiKey: row.api_key,
    openaiOrganization: row.openai_organization,
    openaiProject: row.openai_project,
    requestsPerMinute: row.requests_per_minute === null || row.requests_per_minute === undefined ? null : Number(row.requests_per_minute),
    isActive: readBool(row.is_active),
    deactivatedAt: readOptionalTime(row.deactivated_at),
    createdAt: readTime(row.created_at),
    updatedAt: readTime(row.updated_at),
  };
}

/** All projects, by name. */
export async function listProjects({ db }: Database): Promise<Project[]> {
  const rows = await db.selectFrom('projects').selectAll().orderBy('name').execute();
  return rows.map(toProject);
}

/** What a list or a select needs of a project: no key, nothing to decode. */
export interface ProjectSummary {
  readonly id: string;
  readonly name: string;
  readonly isActive: boolean;
}

/** Summaries of all projects, by name. */
export async function listProjectSummaries({ db }: Database): Promise<ProjectSummary[]> {
  const rows = await db.selectFrom('projects').select(['id', 'name', 'is_active']).orderBy('name').execute();
  return rows.map((row) => ({ id: row.id, name: row.name, isActive: readBool(row.is_active) }));
}

/** The names of these projects (deleted ones are left out). */
export async function findProjectNames({ db }: Database, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  // In slices: a list of bound parameters has a bound on every engine.
  for (let start = 0; start < ids.length; start += 1_000) {
    const rows = await db.selectFrom('projects').select(['id', 'name']).where('id', 'in', ids.slice(start, start + 1_000)).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}

export async function findProject({ db }: Database, id: string): Promise<Project | undefined> {
  const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toProject(row);
}

export async function findProjectByName({ db }: Database, name: string): Promise<Project | undefined> {
  const row = await db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toProject(row);
}

/** Inserts a project; a duplicate name throws a unique violation (see isUniqueViolation). */
export async function insertProject(
  database: Database,
  input: {
    name: string;
    storedApiKey: string;
    openaiOrganization?: string | null;
    openaiProject?: string | null;
    requestsPerMinute?: number | null;
    now: Date;
  },
): Promise<Project> {
  const { db, codec } = database;
  const row: Selectable<ProjectsTable> = {
    id: randomUUID(),
    name: input.name,
    api_key: input.storedApiKey,
    openai_organization: input.openaiOrganization ?? null,
    openai_project: input.openaiProject ?? null,
    requests_per_minute: input.requestsPerMinute ?? null,
    is_active: codec.bool(true),
    deactivated_at: null,
    created_at: codec.time(input.now),
    updated_at: codec.time(input.now),
  };
  await database.write(() => db.insertInto('projects').values(row).execute());
  return toProject(row);
}

export interface ProjectChanges {
  readonly name?: string;
  readonly storedApiKey?: string;
  /** null clears. */
  readonly openaiOrganization?: string | null;
  readonly openaiProject?: string | null;
  /** null removes the limit. */
  readonly requestsPerMinute?: number | null;
  readonly isActive?: boolean;
}

/** Applies the given changes; deactivation stamps deactivated_at, reactivation clears it. */
export async function updateProject(
  database: Database,
  id: string,
  changes: ProjectChanges,
  now: Date,
): Promise<Project | undefined> {
  const { db, codec } = database;
  const current = await findProject(database, id);
  if (!current) return undefined;
  const isActiveChanges =
    changes.isActive === undefined || changes.isActive === current.isActive
      ? {}
      : {
          is_active: codec.bool(changes.isActive),
          deactivated_at: changes.isActive ? null : codec.time(now),
        };
  await database.write(() =>
    db
      .updateTable('projects')
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.storedApiKey !== undefined && { api_key: changes.storedApiKey }),
        ...(changes.openaiOrganization !== undefined && { openai_organization: changes.openaiOrganization }),
        ...(changes.openaiProject !== undefined && { openai_project: changes.openaiProject }),
        ...(changes.requestsPerMinute !== undefined && { requests_per_minute: changes.requestsPerMinute }),
        ...isActiveChanges,
        updated_at: codec.time(now),
      })
      .where('id', '=', id)
      .execute(),
  );
  return findProject(database, id);
}

/** Deletes a project and (by cascade) its tokens; returns how many tokens went with it. */
export async function deleteProject(database: Database, id: string): Promise<{ deleted: boolean; tokensDeleted: number }> {
  return database.write(() =>
    database.db.transaction().execute(async (trx) => {
      const { count } = await trx
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('project_id', '=', id)
        .executeTakeFirstOrThrow();
      // Delete tokens explicitly too: engines or connections without foreign-key enforcement still end clean.
      await trx.deleteFrom('tokens').where('project_id', '=', id).execute();
      const result = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
      const deleted = result.numDeletedRows === 1n;
      return { deleted, tokensDeleted: deleted ? Number(count) : 0 };
    }),
  );
}
