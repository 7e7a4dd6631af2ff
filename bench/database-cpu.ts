// CPU time of the llm-proxy process per proxied request on SQLite, PostgreSQL (alone and with Redis
// coordination, as several instances run) and MySQL, for an
// unlimited token (no database round trip on the data path) and a capped one (one conditional
// UPDATE per request, or one Redis script with Redis coordination). A quick measurement, not part of `npm run bench`: nothing is asserted.
// Needs the build (dist/) and the local engines. Usage: npx tsx bench/database-cpu.ts [--requests 4000] [--rounds 3]
import type { ChildProcess } from 'node:child_process';
import { request, Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { CHAT_BODY } from './phase.js';
import { cpuMicros, forkWithPort, manage, mintToken, startLlmProxy } from './targets.js';

const argValue = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const REQUESTS = argValue('--requests', 4000);
const ROUNDS = argValue('--rounds', 3);
const CONCURRENCY = 16;
const POSTGRES_URL = process.env.LLM_PROXY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.LLM_PROXY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const REDIS_ADDR = process.env.LLM_PROXY_TEST_REDIS_ADDR ?? '127.0.0.1:6379';

async function cappedToken(proxyUrl: string): Promise<string> {
  const project = await manage(proxyUrl, 'POST', '/manage/projects', { name: 'bench-capped', api_key: 'sk-upstream-key' });
  return (await manage(proxyUrl, 'POST', '/manage/tokens', { project_id: project.id, duration_hours: 24, max_requests: 1_000_000_000 })).token as string;
}

/** `count` POSTs at CONCURRENCY in flight over keep-alive connections; throws on any non-200. */
async function drive(url: string, token: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL('/v1/chat/completions', url);
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(target, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(CHAT_BODY);
    });
  const worker = async () => {
    while (next < count) {
      next += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
}

interface Engine {
  readonly name: string;
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A PostgreSQL schema of its own for one process (`search_path` in the URL), dropped by `cleanup`. */
async function postgresSchema(name: string): Promise<{ url: string; cleanup(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    async cleanup() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema ${name} cascade`);
      await client.end();
    },
  };
}

async function engines(): Promise<Engine[]> {
  const name = `llmproxy_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'llm-proxy-dbcpu-'));
  const postgres = await postgresSchema(name);
  const postgresWithRedis = await postgresSchema(`${name}_redis`);
  const my = await createConnection({ uri: MYSQL_URL });
  await my.query(`create database ${name}`);
  await my.end();
  const myUrl = new URL(MYSQL_URL);
  myUrl.pathname = `/${name}`;
  return [
    { name: 'SQLite', env: { DATABASE_PATH: join(dir, 'bench.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) },
    { name: 'PostgreSQL', env: { DB_DRIVER: 'postgres', DATABASE_URL: postgres.url }, cleanup: postgres.cleanup },
    {
      // As several instances run: capped tokens are counted by one Redis script per request.
      name: 'PostgreSQL + Redis',
      env: { DB_DRIVER: 'postgres', DATABASE_URL: postgresWithRedis.url, LLM_PROXY_COORDINATION: 'redis', REDIS_ADDR, LLM_PROXY_COORDINATION_KEY_PREFIX: `${name}:` },
      cleanup: postgresWithRedis.cleanup,
    },
    {
      name: 'MySQL',
      env: { DB_DRIVER: 'mysql', DATABASE_URL: myUrl.toString() },
      async cleanup() {
        const connection = await createConnection({ uri: MYSQL_URL });
        await connection.query(`drop database ${name}`);
        await connection.end();
      },
    },
  ];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const upstream = await forkWithPort('mock-upstream.mjs', ['0']);
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const all = await engines();
interface Series {
  readonly label: string;
  readonly engine: string;
  readonly kind: string;
  readonly pid: number;
  readonly url: string;
  readonly token: string;
  readonly perRequest: number[];
  readonly rates: number[];
}
const started: { child: ChildProcess; engine: Engine }[] = [];
const series: Series[] = [];
try {
  // Every process runs at once and the rounds visit them in turn, so a disturbance on the host
  // lands on all of them alike instead of on one engine's rounds.
  for (const engine of all) {
    const { child, url } = await startLlmProxy(upstreamUrl, engine.env.DATABASE_PATH ?? join(tmpdir(), 'unused.db'), { LOG_REQUESTS: 'false', ...engine.env });
    started.push({ child, engine });
    const tokens = { unlimited: await mintToken(url), capped: await cappedToken(url) };
    for (const [kind, token] of Object.entries(tokens)) {
      await drive(url, token, 500); // warm up
      series.push({ label: `${engine.name.padEnd(19)} ${kind.padEnd(9)}`, engine: engine.name, kind, pid: child.pid ?? 0, url, token, perRequest: [], rates: [] });
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const one of series) {
      const before = cpuMicros(one.pid);
      const startedAt = performance.now();
      await drive(one.url, one.token, REQUESTS);
      const seconds = (performance.now() - startedAt) / 1000;
      one.perRequest.push((cpuMicros(one.pid) - before) / REQUESTS);
      one.rates.push(REQUESTS / seconds);
    }
    console.error(`round ${round + 1} of ${ROUNDS} done`);
  }
} finally {
  for (const { child } of started) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  for (const { engine } of started) await engine.cleanup();
  upstream.child.kill('SIGTERM');
}
const sqliteOf = (kind: string): number => median(series.find((one) => one.engine === 'SQLite' && one.kind === kind)?.perRequest ?? []);
console.log(`llm-proxy process CPU per request, concurrency ${CONCURRENCY}, ${REQUESTS} requests × ${ROUNDS} rounds (median, rounds interleaved); the engines' own CPU is not counted:`);
for (const one of series) {
  const cpu = median(one.perRequest);
  const ratio = (cpu / sqliteOf(one.kind)).toFixed(2);
  console.log(`${one.label} ${cpu.toFixed(0).padStart(5)} µs CPU/request (${ratio}× SQLite's)   ${median(one.rates).toFixed(0).padStart(6)} req/s   (rounds: ${one.perRequest.map((v) => v.toFixed(0)).join(', ')})`);
}
