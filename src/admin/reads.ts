import { ProxyError } from '../errors.js';
import type { ProjectResponse, TokenResponse } from '../manage/index.js';
import { presentProject, presentToken } from '../manage/presenters.js';
import { buildUsageReport } from '../manage/usage-report.js';
import { usageQuery, type UsageResponse } from '../manage/usage-schemas.js';
import type { ApiKeyCipher } from '../security/index.js';
import { listProjectSummaries, listProjects, listTokenPage, type Database, type ProjectSummary, type TokenState, type UsageDays } from '../store/index.js';
import type { ManageAnswer, ManageError } from './manage-caller.js';

/**
 * The lists the pages show, read from the store a page at a time and shown with the management
 * API's own presenters. Changes never come this way: they go through the API (manage-caller.ts).
 * Reading here keeps a page of 10,000 tokens from loading, presenting and serialising all of them.
 */
export interface AdminReads {
  /** Every project's id, name and state, by name (for filters and selects; no key is decrypted). */
  projectChoices(): Promise<ProjectChoice[]>;
  projectPage(query: { q?: string | undefined; status?: string | undefined; page: number; size: number }): Promise<{ projects: ProjectResponse[]; matching: number; total: number }>;
  tokenPage(query: { projectId?: string | undefined; state?: string | undefined; page: number; size: number }): Promise<{ tokens: TokenResponse[]; total: number; projects: ProjectChoice[] }>;
  activeTokenCount(): Promise<number>;
  /**
   * GET /manage/usage's answer (an error one as the management caller gives it: status and body) for these query parameters, built here rather than through the API:
   * a 30-day report by project is 300 kB of JSON for 1,000 projects, and the pages show ten of them.
   */
  usageReport(query: Readonly<Record<string, string | undefined>>): Promise<ManageAnswer<UsageResponse>>;
}

export type ProjectChoice = Pick<ProjectResponse, 'id' | 'name' | 'is_active'>;

const TOKEN_STATES = new Set<string>(['active', 'expired', 'revoked', 'exhausted', 'project_inactive']);

export interface AdminReadsDeps {
  readonly database: Database;
  readonly cipher: ApiKeyCipher;
  readonly now: () => Date;
  /** The usage ledger's write-behind (flushed before a usage report) and its sums by day. */
  readonly usage: { readonly flush: () => Promise<void>; readonly days: UsageDays };
}

const refusal = (status: number, message: string): ManageAnswer<never> => ({ status, body: { error: { message } } satisfies ManageError as never });

export function createAdminReads(deps: AdminReadsDeps): AdminReads {
  const { database, cipher, now, usage } = deps;
  const choice = (project: ProjectSummary): ProjectChoice => ({ id: project.id, name: project.name, is_active: project.isActive });

  return {
    async projectChoices() {
      return (await listProjectSummaries(database)).map(choice);
    },
    async projectPage({ q, status, page, size }) {
      const all = await listProjects(database);
      const needle = q?.toLowerCase();
      const matching = all.filter(
        (project) =>
          (needle === undefined || project.name.toLowerCase().includes(needle) || project.id === q) &&
          (status === undefined || status === (project.isActive ? 'active' : 'inactive')),
      );
      // Only the page's keys are decrypted for their hints.
      const shown = matching.slice((page - 1) * size, page * size).map((project) => presentProject(project, cipher));
      return { projects: shown, matching: matching.length, total: all.length };
    },
    async tokenPage({ projectId, state, page, size }) {
      const at = now();
      const [{ tokens, total }, projects] = await Promise.all([
        listTokenPage(database, { projectId, state: state !== undefined && TOKEN_STATES.has(state) ? (state as TokenState) : undefined, now: at, limit: size, offset: (page - 1) * size }),
        listProjectSummaries(database),
      ]);
      // No second query for the page's projects: the filter's list has them all.
      const byId = new Map(projects.map((project) => [project.id, project]));
      return {
        tokens: tokens.flatMap((token) => {
          const project = byId.get(token.projectId);
          return project === undefined ? [] : [presentToken(token, project, at)];
        }),
        total,
        projects: projects.map(choice),
      };
    },
    async activeTokenCount() {
      return (await listTokenPage(database, { state: 'active', now: now(), limit: 0, offset: 0 })).total;
    },
    async usageReport(query) {
      const parsed = usageQuery.safeParse(query);
      if (!parsed.success) return refusal(400, parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const { project_id: projectId, token_id: tokenId, from, to, granularity } = parsed.data;
      // As the route does: what the ledger has not written yet shows on the next read if this fails.
      await usage.flush().catch(() => undefined);
      try {
        return { status: 200, body: await buildUsageReport(database, usage.days, { projectId, tokenId, from, to, granularity }, now()) };
      } catch (error) {
        if (error instanceof ProxyError) return refusal(error.statusCode, error.message);
        throw error;
      }
    },
  };
}
