// Server render time of the admin UI's heaviest pages with 1,000 projects and 10,000 tokens:
// `npx tsx bench/admin-render.ts [--projects N] [--tokens N] [--ledger-days N] [--runs N]`. In
// process (inject), so the figure is the server's work for a page: the management API calls,
// filtering, HTML. The usage ledger holds --ledger-days (default 30) days of 20 rows an hour.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createTestConfig } from '../src/config/index.js';
import { createAdminReads } from '../src/admin/reads.js';
import { createProject } from '../src/manage/index.js';
import { createApiKeyCipher, generateWitheringToken, hashToken, tokenHint } from '../src/security/index.js';
import { buildApp } from '../src/server/index.js';
import { createUsageDays, emptyUsageCounts, insertToken } from '../src/store/index.js';
import { addUsageHours, type UsageHourDelta } from '../src/store/usage-hourly.js';

const { values } = parseArgs({ options: { projects: { type: 'string', default: '1000' }, tokens: { type: 'string', default: '10000' }, runs: { type: 'string', default: '30' }, 'ledger-days': { type: 'string', default: '30' } } });
const projectCount = Number(values.projects);
const tokenCount = Number(values.tokens);
const runs = Number(values.runs);
const ledgerDays = Number(values['ledger-days']);

const dir = mkdtempSync(join(tmpdir(), 'admin-render-'));
const config = createTestConfig({ DATABASE_PATH: join(dir, 'db.sqlite'), AUDIT_LOG_FILE: '' });
const proxy = await buildApp(config, { logger: pino({ level: 'silent' }) });
const deps = { database: proxy.database, cipher: createApiKeyCipher(config.secrets.encryptionKey), now: () => new Date() };
// The store reads below flush nothing: the bench writes the ledger itself.
const readsDeps = { ...deps, usage: { flush: async () => undefined, days: createUsageDays(proxy.database, deps) } };
const projectIds: string[] = [];
for (let i = 0; i < projectCount; i += 1) projectIds.push((await createProject(deps, { name: `project-${i}`, apiKey: `sk-bench-${i}-0123456789abcdef` })).id);
const now = new Date();
const tokenIds: string[] = [];
for (let i = 0; i < tokenCount; i += 1) {
  const plaintext = generateWitheringToken();
  const token = await insertToken(proxy.database, { tokenHash: hashToken(plaintext), hint: tokenHint(plaintext), projectId: projectIds[i % projectIds.length] as string, expiresAt: new Date(now.getTime() + 86_400_000), maxRequests: i % 3 === 0 ? 100 : null, now });
  tokenIds.push(token.id);
}

// The ledger: every hour, 20 tokens (of 20 projects) were used, the first token among them.
const HOUR_MS = 3_600_000;
const thisHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
for (let hour = 0; hour < ledgerDays * 24; hour += 1) {
  const deltas: UsageHourDelta[] = [];
  for (let k = 0; k < 20; k += 1) {
    const index = (hour * 20 + k) % 200 === 0 ? 0 : (hour * 37 + k * 101) % tokenCount;
    const counts = { ...emptyUsageCounts(), requests: 10 + k, errors: k % 7 === 0 ? 1 : 0, upstreamCalls: 10 + k, upstreamMs: 400, promptTokens: 500 + k, completionTokens: 200 + k, totalTokens: 700 + 2 * k };
    deltas.push({ hourStart: new Date(thisHour - hour * HOUR_MS), projectId: projectIds[index % projectIds.length] as string, tokenId: tokenIds[index] as string, counts });
  }
  await addUsageHours(proxy.database, deltas);
}

// A server that has run a while has checkpointed its WAL; straight after 11,000 inserts it has not.
await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(proxy.database.db);

const login = await proxy.app.inject({ method: 'POST', url: '/admin/login', payload: `management_token=${config.secrets.managementToken}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
const cookie = String(login.headers['set-cookie']).split(';')[0] as string;


function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

// The store reads alone, for comparison with the whole page.
const reads = createAdminReads(readsDeps);
for (const [label, read] of [
  ['reads: token page', () => reads.tokenPage({ page: 1, size: 50 })],
  ['reads: active token page 3', () => reads.tokenPage({ state: 'active', page: 3, size: 50 })],
  ['reads: project page', () => reads.projectPage({ page: 1, size: 25 })],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    await read();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} median ${percentile(times, 50).toFixed(1)} ms  p90 ${percentile(times, 90).toFixed(1)} ms`);
}

// Wall time, and the process's CPU time for the same request: on a shared machine the wall time
// includes waiting for a core, the CPU time does not.
const pages = [
  '/admin/projects',
  '/admin/projects?q=project-99',
  '/admin/tokens',
  '/admin/tokens?status=active&page=3',
  '/admin/tokens?status=expired',
  `/admin/tokens?project_id=${projectIds[1]}`,
  `/admin/projects/${projectIds[0]}`,
  `/admin/tokens/${tokenIds[0]}`,
  '/admin/usage',
  '/admin/audit',
  '/admin/',
];
for (const url of pages) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 3; i += 1) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const response = await proxy.app.inject({ method: 'GET', url, headers: { cookie } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpuStart);
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    if (i < 3) continue; // the first ones warm up
    wall.push(ms);
    cpu.push((used.user + used.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`${url.slice(0, 47).padEnd(48)} wall median ${percentile(wall, 50).toFixed(1)} ms, p90 ${percentile(wall, 90).toFixed(1)} ms; CPU median ${percentile(cpu, 50).toFixed(1)} ms`);
}
await proxy.close();
rmSync(dir, { recursive: true, force: true });
