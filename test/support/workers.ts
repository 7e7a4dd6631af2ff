import { randomUUID } from 'node:crypto';
import { rawRequest } from './http.js';

/**
 * Requests to the workers of `server --workers N`, each on a connection of its own (the primary
 * hands connections to the workers in turn, so consecutive ones reach different workers), and
 * which worker answered each: the workers' log lines carry their pid and the request's id.
 */
export interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export async function freshRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  const requestId = `w-${randomUUID()}`;
  const answer = await rawRequest(baseUrl, { ...options, headers: { ...options.headers, 'x-request-id': requestId } });
  let code: string | undefined;
  if (answer.status >= 400 && answer.headers['content-type']?.toString().includes('json')) {
    code = (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
  }
  return { status: answer.status, code, requestId, headers: answer.headers, body: answer.body };
}

/** A management API call on a new connection; fails the test unless it succeeds. Resolves with the parsed body. */
export async function manageCall<T>(baseUrl: string, managementToken: string, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await freshRequest(baseUrl, {
    method,
    path,
    headers: { authorization: `Bearer ${managementToken}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.body}`);
  return (answer.body === '' ? undefined : JSON.parse(answer.body)) as T;
}

/** GET /v1/models with `token`, on a new connection. */
export function proxyCall(baseUrl: string, token: string): Promise<Answer> {
  return freshRequest(baseUrl, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
}

/** The pid of the worker that logged each request id (the access log, or Fastify's request lines). */
export function pidsByRequest(logs: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of logs.split('\n')) {
    const id = /"(?:request_id|reqId)":"(w-[0-9a-f-]+)"/.exec(line)?.[1];
    const pid = /"pid":(\d+)/.exec(line)?.[1];
    if (id !== undefined && pid !== undefined) pids.set(id, Number(pid));
  }
  return pids;
}

/** Polls until `check` holds, at most `boundMs` (a bound against hanging, not a latency assertion). */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, boundMs = 10_000): Promise<T> {
  const until = Date.now() + boundMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The distinct pids that answered `answers`, once every one of them is in the logs. */
export function workersThatAnswered(logs: () => string, answers: readonly Answer[]): Promise<Set<number>> {
  return eventually(() => {
    const pids = pidsByRequest(logs());
    const found = answers.map((answer) => pids.get(answer.requestId));
    return found.every((pid) => pid !== undefined) ? new Set(found as number[]) : undefined;
  });
}

/** Waits for the start of the next minute when the current one is nearly over (rate windows are per clock minute). */
export async function awayFromMinuteEnd(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
}

/** Signs in to the admin UI on a new connection; resolves with the session cookie (`name=value`). */
export async function adminSignIn(baseUrl: string, managementToken: string): Promise<string> {
  const login = await freshRequest(baseUrl, {
    method: 'POST',
    path: '/admin/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ management_token: managementToken }).toString(),
  });
  if (login.status !== 303) throw new Error(`admin sign-in: ${login.status} ${login.body}`);
  return String(login.headers['set-cookie']).split(';')[0] as string;
}

/** `count` admin UI pages with `cookie`, each on a new connection (so they go to the workers in turn). */
export async function adminPages(baseUrl: string, cookie: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < count; i += 1) answers.push(await freshRequest(baseUrl, { path: '/admin/projects', headers: { cookie } }));
  return answers;
}

/** Signs out with the CSRF token of `page` (an admin page of the session). */
export function adminSignOut(baseUrl: string, cookie: string, page: Answer): Promise<Answer> {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return freshRequest(baseUrl, {
    method: 'POST',
    path: '/admin/logout',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf }).toString(),
  });
}
