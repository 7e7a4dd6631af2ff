/**
 * The processes the overhead bench measures: what they are, how they start, and what their CPU
 * time and memory come to (read from /proc, so Linux only).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `direct`: the mock upstream itself; `floor`: the bare node:http proxy; `proxy`: an llm-proxy
 * variant; `bogus`: an llm-proxy variant sent well-formed tokens it does not know (all refused);
 * `cached`: an llm-proxy variant sent requests that opt in to its response cache (all hits after
 * the first).
 */
export type Role = 'direct' | 'floor' | 'proxy' | 'bogus' | 'cached';

export interface Target {
  readonly name: string;
  readonly role: Role;
  readonly baseUrl: string;
  /** Sent in turn as `Authorization: Bearer <token>`. */
  readonly tokens: readonly string[];
  /** The process whose CPU and memory are measured; none for the upstream itself. */
  readonly pid: number | undefined;
  /** When set, requests carry `Cache-Control: public, max-age=<this>` (opt in to the response cache). */
  readonly cacheTtlSeconds?: number;
}

export const benchPath = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ
const MANAGEMENT_TOKEN = 'bench-management-token';

/** Forks a bench helper that reports its port over IPC. */
export function forkWithPort(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(benchPath(script), args, { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/**
 * Starts the built llm-proxy with its default settings plus `env`. Its logs go to /dev/null: a
 * log line still costs its serialisation and its write, as it would in production.
 */
export function startLlmProxy(upstreamUrl: string, dbPath: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  // Started as `llm-proxy server` is, through its launcher (the node flags it sets are part of what is measured).
  const args = ['server', '--addr', '127.0.0.1:0', '--db', dbPath, '--config', '/dev/null'];
  const child = spawn(benchPath('../dist/cli/bin.js'), args, {
    env: { PATH: process.env.PATH, MANAGEMENT_TOKEN, OPENAI_API_URL: upstreamUrl, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match?.[1]) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`llm-proxy exited with ${code}: ${stderr}`)));
  });
}

/** A management API call on a running llm-proxy; its JSON answer, or an error naming the status. */
export async function manage(proxyUrl: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${proxyUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${MANAGEMENT_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.json() as Promise<Record<string, unknown>>;
}

/** Creates a project and a 24-hour unlimited token on a running llm-proxy. */
export async function mintToken(proxyUrl: string): Promise<string> {
  const project = await manage(proxyUrl, 'POST', '/manage/projects', { name: 'bench', api_key: 'sk-upstream-key' });
  const created = await manage(proxyUrl, 'POST', '/manage/tokens', { project_id: project.id, duration_hours: 24 });
  return created.token as string;
}

/** Tokens in the withering-token format (`sk-` + 22 base64url characters) that no database holds. */
export function bogusTokens(count: number): string[] {
  return Array.from({ length: count }, () => `sk-${randomBytes(16).toString('base64url')}`);
}

/** User + system CPU time of a process and all its threads, in microseconds (/proc/<pid>/stat fields 14 and 15). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** A kB field of /proc/<pid>/status, in MiB. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) / 1024;
}

/** Peak resident set size of a process since it started, in MiB (VmHWM). */
export const peakRssMiB = (pid: number): number => statusMiB(pid, 'VmHWM');

/** Resident set size of a process now, in MiB (VmRSS). */
export const rssMiB = (pid: number): number => statusMiB(pid, 'VmRSS');

/** The targets of one bench run, by the part each plays in the comparisons. */
export interface Lineup {
  readonly direct: Target;
  readonly floor: Target;
  /** llm-proxy with its defaults (access log on). */
  readonly proxy: Target;
  /** llm-proxy with LOG_REQUESTS=false. */
  readonly quietProxy: Target;
  /** The defaults process, sent unknown tokens. */
  readonly bogus: Target;
  /** llm-proxy with its defaults in a process of its own, sent requests that opt in to the response cache: memory-cache hits. */
  readonly cacheHits: Target;
  /** llm-proxy with its defaults plus FILE_EVENT_LOG: every event serialised and written to a file. */
  readonly fileEventLog: Target;
}

/** The order in which each round visits the targets: bogus right after the valid tokens it is compared with. */
export const inRoundOrder = (lineup: Lineup): Target[] => [
  lineup.direct,
  lineup.floor,
  lineup.proxy,
  lineup.bogus,
  lineup.cacheHits,
  lineup.quietProxy,
  lineup.fileEventLog,
];
