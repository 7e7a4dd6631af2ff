// CPU time of the llm-proxy process per proxied request on SQLite, PostgreSQL and MySQL, for an
// unlimited token (no database round trip on the data path) and a capped one (one conditional
// UPDATE per request). A quick measurement, not part of `npm run bench`: nothing is asserted.
// Needs the build (dist/) and the local engines. Usage: npx tsx bench/database-cpu.ts [--requests 4000] [--rounds 3]
import { request, Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { CHAT_BODY } from './phase.js';
import { cpuMicros, forkWithPort, mintToken, startLlmProxy } from './targets.js';

const argValue = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const REQUESTS = argValue('--requests', 4000);
const ROUNDS = argValue('--rounds', 3);
const CONCURRENCY = 16;
const POSTGRES_URL = process.env.LLM_PROXY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MYSQL_URL = process.env.LLM_PROXY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function cappedToken(proxyUrl: string): Promise<string> {
  const post = async (path: string, body: object) => {
    const response = await fetch(`${proxyUrl}${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer bench-management-token', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status}`);
    return response.json() as Promise<Record<string, string>>;
  };
  const project = await post('/manage/projects', { name: 'bench-capped', api_key: 'sk-upstream-key' });
  return (await post('/manage/tokens', { project_id: project.id, duration_hours: 24, max_requests: 1_000_000_000 })).token as string;
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

async function engines(): Promise<Engine[]> {
  const name = `llmproxy_bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'llm-proxy-dbcpu-'));
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${name}`);
  await admin.end();
  const pgUrl = new URL(POSTGRES_URL);
  pgUrl.searchParams.set('options', `-c search_path=${name}`);
  const my = await createConnection({ uri: MYSQL_URL });
  await my.query(`create database ${name}`);
  await my.end();
  const myUrl = new URL(MYSQL_URL);
  myUrl.pathname = `/${name}`;
  return [
    { name: 'SQLite', env: { DATABASE_PATH: join(dir, 'bench.db') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) },
    {
      name: 'PostgreSQL',
      env: { DB_DRIVER: 'postgres', DATABASE_URL: pgUrl.toString() },
      async cleanup() {
        const client = new pg.Client({ connectionString: POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema ${name} cascade`);
        await client.end();
      },
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
const results: string[] = [];
try {
  for (const engine of all) {
    const { child, url } = await startLlmProxy(upstreamUrl, engine.env.DATABASE_PATH ?? join(tmpdir(), 'unused.db'), { LOG_REQUESTS: 'false', ...engine.env });
    try {
      const tokens = { unlimited: await mintToken(url), capped: await cappedToken(url) };
      for (const token of Object.values(tokens)) await drive(url, token, 500); // warm up
      for (const [kind, token] of Object.entries(tokens)) {
        const perRequest: number[] = [];
        const rates: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const before = cpuMicros(child.pid ?? 0);
          const started = performance.now();
          await drive(url, token, REQUESTS);
          const seconds = (performance.now() - started) / 1000;
          perRequest.push((cpuMicros(child.pid ?? 0) - before) / REQUESTS);
          rates.push(REQUESTS / seconds);
        }
        results.push(`${engine.name.padEnd(10)} ${kind.padEnd(9)} ${median(perRequest).toFixed(0).padStart(5)} µs CPU/request   ${median(rates).toFixed(0).padStart(6)} req/s   (rounds: ${perRequest.map((v) => v.toFixed(0)).join(', ')})`);
        console.error(results.at(-1));
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await engine.cleanup();
    }
  }
} finally {
  upstream.child.kill('SIGTERM');
}
console.log(`llm-proxy process CPU per request, concurrency ${CONCURRENCY}, ${REQUESTS} requests × ${ROUNDS} rounds (median); the engines' own CPU is not counted:`);
for (const line of results) console.log(line);
