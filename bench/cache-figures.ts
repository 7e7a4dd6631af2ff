// The response cache's two figures that `npm run bench` does not take (issue 7):
// 1. Redis hit latency: p50 at one connection of hits from HTTP_CACHE_BACKEND=redis against the
//    upstream served directly, rounds interleaved (memory hits beside them for reference).
// 2. Memory with the cache full: RSS of a server whose in-memory cache was filled past
//    HTTP_CACHE_MAX_BYTES against the same server with HTTP_CACHE_ENABLED=false, same traffic.
// A measurement, not a test: nothing is asserted, the bounds are printed with PASS/FAIL.
// Needs the build (dist/) and Redis (LLM_PROXY_TEST_REDIS_ADDR, default 127.0.0.1:6379).
// Usage: npx tsx bench/cache-figures.ts [--rounds 5] [--latency-requests 1000] [--cache-mib 64] [--answer-kib 32]
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { engineDriver } from './engine-driver.js';
import { CHAT_BODY, tokenFor } from './phase.js';
import { median, pairedDifference } from './samples.js';
import { forkWithPort, manage, mintToken, peakRssMiB, rssMiB, startLlmProxy, type Target } from './targets.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'latency-requests': { type: 'string', default: '1000' },
    'cache-mib': { type: 'string', default: '64' },
    'answer-kib': { type: 'string', default: '32' },
  },
});
const ROUNDS = Number(flags.rounds);
const LATENCY_REQUESTS = Number(flags['latency-requests']);
const CACHE_MIB = Number(flags['cache-mib']);
const ANSWER_BYTES = Number(flags['answer-kib']) * 1024;
const REDIS_ADDR = process.env.LLM_PROXY_TEST_REDIS_ADDR ?? '127.0.0.1:6379';
const CACHE_TTL_SECONDS = 3600;
/** Distinct answers sent to fill the cache: its cap's worth and a quarter more, so that it evicts. */
const FILL_REQUESTS = Math.ceil(((CACHE_MIB * 1024 * 1024) / ANSWER_BYTES) * 1.25);
const FILL_SLICE = 256;
const FILL_CONCURRENCY = 8;
const REDIS_HIT_ADDED_LIMIT_MS = 0.3;
const RSS_FACTOR = 1.1;

const progress = (line: string) => process.stderr.write(`${line}\n`);
const children: ChildProcess[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'llm-proxy-cache-figures-'));

interface Server {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

async function startServer(name: string, upstreamUrl: string, env: Record<string, string>): Promise<Server> {
  const started = await startLlmProxy(upstreamUrl, join(workDir, `${name}.db`), env);
  children.push(started.child);
  return { url: started.url, token: await mintToken(started.url), pid: started.child.pid ?? 0 };
}

const cachedTarget = (name: string, server: Server): Target => ({
  name,
  role: 'cached',
  baseUrl: server.url,
  tokens: [server.token],
  pid: server.pid,
  cacheTtlSeconds: CACHE_TTL_SECONDS,
});

/** One cacheable request as the latency runs send it; throws unless the cache answered it. */
async function expectHit(target: Target): Promise<void> {
  const response = await fetch(new URL('/v1/chat/completions', target.baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(target, 0)}`, 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_TTL_SECONDS}` },
    body: CHAT_BODY,
  });
  await response.arrayBuffer();
  const verdict = response.headers.get('x-proxy-cache');
  if (response.status !== 200 || verdict !== 'hit') throw new Error(`${target.name}: expected a cache hit, got ${response.status} ${verdict}`);
}

/** Requests `from`..`to` of the fill: each a distinct cacheable question with an answer of ANSWER_BYTES. */
async function fill(server: Server, from: number, to: number): Promise<void> {
  let next = from;
  const send = async (index: number) => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `fill ${index}` }], mock_content_bytes: ANSWER_BYTES });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_TTL_SECONDS}` },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`fill request ${index}: status ${response.status}`);
  };
  const worker = async () => {
    while (next < to) await send(next++);
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
}

interface Bound {
  readonly label: string;
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
}

function renderBounds(bounds: readonly Bound[]): string {
  const rows = bounds.map((bound) => {
    const verdict = Number.isNaN(bound.value) ? 'n/a' : bound.value <= bound.limit ? 'PASS' : 'FAIL';
    return `| ${bound.label} | ${bound.value.toFixed(3)} ${bound.unit} | ≤ ${bound.limit.toFixed(3)} ${bound.unit} | ${verdict} |`;
  });
  return ['| bound | measured | limit | |', '|---|---|---|---|', ...rows].join('\n');
}

async function measureLatency(upstreamUrl: string): Promise<Bound[]> {
  const prefix = `llmproxy:bench:${randomBytes(6).toString('hex')}:`;
  const redis = await startServer('redis', upstreamUrl, { HTTP_CACHE_BACKEND: 'redis', REDIS_ADDR, REDIS_CACHE_KEY_PREFIX: prefix });
  try {
    const memory = await startServer('memory', upstreamUrl, {});
    const targets: Target[] = [
      { name: 'upstream direct', role: 'direct', baseUrl: upstreamUrl, tokens: ['sk-upstream-key'], pid: undefined },
      cachedTarget('redis-cache hit', redis),
      cachedTarget('memory-cache hit', memory),
    ];
    const driver = engineDriver({ concurrency: 1, requestsPerRound: 1000, latencyRequests: LATENCY_REQUESTS, streams: 0 });
    for (const target of targets) await driver.warmUp(target);
    for (const target of targets.slice(1)) await expectHit(target);
    const p50s = new Map(targets.map((target) => [target.name, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      progress(`latency round ${round + 1}/${ROUNDS}`);
      for (const target of targets) {
        const outcome = await driver.latency(target);
        if (outcome.ok !== outcome.answered || outcome.broken > 0) throw new Error(`${target.name}: ${outcome.answered - outcome.ok} non-2xx, ${outcome.broken} broken`);
        p50s.get(target.name)?.push(outcome.p50Ms);
      }
    }
    const [direct, redisHits, memoryHits] = targets.map((target) => p50s.get(target.name) ?? []) as [number[], number[], number[]];
    console.log(`p50 at one connection, ms (median of ${ROUNDS} interleaved rounds of ${LATENCY_REQUESTS} requests; per round in brackets):`);
    for (const [name, values] of p50s) console.log(`  ${name.padEnd(17)} ${median(values).toFixed(3)}  [${values.map((value) => value.toFixed(3)).join(', ')}]`);
    console.log(`  memory-cache hit − direct, for reference: ${pairedDifference(memoryHits, direct).toFixed(3)} ms (median of per-round differences)`);
    return [{ label: 'redis-cache hit p50 − direct p50 (median of per-round differences)', value: pairedDifference(redisHits, direct), limit: REDIS_HIT_ADDED_LIMIT_MS, unit: 'ms' }];
  } finally {
    // The run's Redis keys go with it.
    await manage(redis.url, 'DELETE', '/manage/cache').catch((error: unknown) => progress(`could not purge ${prefix}* from Redis: ${String(error)}`));
  }
}

async function measureMemory(upstreamUrl: string): Promise<Bound[]> {
  const full = await startServer('full', upstreamUrl, { HTTP_CACHE_MAX_BYTES: `${CACHE_MIB}MiB` });
  const noCache = await startServer('no-cache', upstreamUrl, { HTTP_CACHE_ENABLED: 'false' });
  // Slices alternate between the two servers, so that a busy moment on the host lands on both.
  for (let from = 0; from < FILL_REQUESTS; from += FILL_SLICE) {
    const to = Math.min(from + FILL_SLICE, FILL_REQUESTS);
    progress(`fill ${to}/${FILL_REQUESTS}`);
    await fill(full, from, to);
    await fill(noCache, from, to);
  }
  const stats = await manage(full.url, 'GET', '/manage/cache/stats');
  const capBytes = CACHE_MIB * 1024 * 1024;
  const cacheBytes = Number(stats.bytes);
  console.log(
    `\ncache filled with ${FILL_REQUESTS} distinct ${ANSWER_BYTES / 1024} KiB answers (cap ${CACHE_MIB} MiB): ${stats.entries} entries, ` +
      `${(cacheBytes / 1024 / 1024).toFixed(1)} MiB (${((100 * cacheBytes) / capBytes).toFixed(1)} % of the cap), ${stats.evictions} evictions`,
  );
  if (cacheBytes < capBytes * 0.95 || Number(stats.evictions) === 0) progress('warning: the cache is not at its cap; the memory figure does not hold');
  const figures = { full: { rss: rssMiB(full.pid), peak: peakRssMiB(full.pid) }, noCache: { rss: rssMiB(noCache.pid), peak: peakRssMiB(noCache.pid) } };
  console.log(`RSS MiB, now (VmRSS) / peak (VmHWM): cache full ${figures.full.rss.toFixed(1)} / ${figures.full.peak.toFixed(1)}, no cache ${figures.noCache.rss.toFixed(1)} / ${figures.noCache.peak.toFixed(1)}`);
  return [
    { label: `RSS with the cache full (VmRSS) vs ${CACHE_MIB} MiB + no-cache RSS × ${RSS_FACTOR}`, value: figures.full.rss, limit: CACHE_MIB + figures.noCache.rss * RSS_FACTOR, unit: 'MiB' },
    { label: `peak RSS with the cache full (VmHWM) vs ${CACHE_MIB} MiB + no-cache peak × ${RSS_FACTOR}`, value: figures.full.peak, limit: CACHE_MIB + figures.noCache.peak * RSS_FACTOR, unit: 'MiB' },
  ];
}

try {
  const startedAt = performance.now();
  const upstream = await forkWithPort('mock-upstream.mjs', ['0']);
  children.push(upstream.child);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const latencyBounds = await measureLatency(upstreamUrl);
  const memoryBounds = await measureMemory(upstreamUrl);
  console.log(`\n${renderBounds([...latencyBounds, ...memoryBounds])}`);
  progress(`measured in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(workDir, { recursive: true, force: true });
}
