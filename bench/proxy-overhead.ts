/**
 * What llm-proxy costs on the request path, measured in one run against targets that share one
 * mock upstream: the upstream directly, a bare ~30-line node:http pass-through proxy (the floor of
 * any Node.js proxy), llm-proxy with its defaults, llm-proxy with LOG_REQUESTS=false, and the
 * defaults process sent unknown tokens. Two load generators drive them in turn: wrk (when
 * installed) and the built-in engine of `llm-proxy benchmark`. Figures are reported as ratios to
 * the bare proxy of the same run, with the performance bounds checked at the end.
 *
 *   npm run bench                       # about 4 minutes on an idle 2-core machine
 *   npm run bench -- --quick            # about a minute: checks that it works, figures are rough
 *   npm run bench -- --output json      # the whole result as JSON on stdout
 *
 * Progress goes to stderr. Not a test: nothing here fails on timings.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineDriver } from './engine-driver.js';
import { parseBenchOptions, type BenchOptions } from './options.js';
import { runPhase } from './phase.js';
import { buildReport, renderText } from './report.js';
import type { PhaseResult } from './samples.js';
import { bogusTokens, forkWithPort, inRoundOrder, mintToken, peakRssMiB, startLlmProxy, type Lineup } from './targets.js';
import { WRK_INSTALL_HINT, wrkAvailable, wrkDriver } from './wrk-driver.js';

const BOGUS_TOKEN_COUNT = 4;
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Starts every process of the run; `children` collects them so that they are stopped whatever happens. */
async function startLineup(workDir: string, children: ChildProcess[]): Promise<Lineup> {
  const upstream = await forkWithPort('./mock-upstream.mjs', ['0']);
  children.push(upstream.child);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const bare = await forkWithPort('./bare-proxy.mjs', ['0', String(upstream.port)]);
  children.push(bare.child);
  // Each variant has its own database, so that neither waits on the other's write lock.
  const startVariant = async (name: string, env: Record<string, string>) => {
    const started = await startLlmProxy(upstreamUrl, join(workDir, `${name}.db`), env);
    children.push(started.child);
    return { baseUrl: started.url, token: await mintToken(started.url), pid: started.child.pid };
  };
  const defaults = await startVariant('defaults', {});
  const quiet = await startVariant('quiet', { LOG_REQUESTS: 'false' });
  // Cache hits get a process of their own: their allocation rate must not move the defaults' peak RSS.
  const cached = await startVariant('cached', {});
  const logged = await startVariant('file-event-log', { FILE_EVENT_LOG: join(workDir, 'events.jsonl') });
  return {
    direct: { name: 'upstream direct', role: 'direct', baseUrl: upstreamUrl, tokens: ['sk-upstream-key'], pid: undefined },
    floor: { name: 'bare node:http proxy', role: 'floor', baseUrl: `http://127.0.0.1:${bare.port}`, tokens: ['unused'], pid: bare.child.pid },
    proxy: { name: 'llm-proxy', role: 'proxy', baseUrl: defaults.baseUrl, tokens: [defaults.token], pid: defaults.pid },
    bogus: { name: 'llm-proxy, unknown tokens', role: 'bogus', baseUrl: defaults.baseUrl, tokens: bogusTokens(BOGUS_TOKEN_COUNT), pid: defaults.pid },
    cacheHits: { name: 'llm-proxy, cache hits', role: 'cached', baseUrl: cached.baseUrl, tokens: [cached.token], pid: cached.pid, cacheTtlSeconds: 3600 },
    quietProxy: { name: 'llm-proxy LOG_REQUESTS=false', role: 'proxy', baseUrl: quiet.baseUrl, tokens: [quiet.token], pid: quiet.pid },
    fileEventLog: { name: 'llm-proxy FILE_EVENT_LOG', role: 'proxy', baseUrl: logged.baseUrl, tokens: [logged.token], pid: logged.pid },
  };
}

async function runWrkPhase(options: BenchOptions, lineup: Lineup): Promise<PhaseResult | undefined> {
  if (!wrkAvailable()) {
    progress(WRK_INSTALL_HINT);
    return undefined;
  }
  const driver = wrkDriver({ concurrency: options.concurrency, threads: options.threads, seconds: options.seconds });
  return runPhase(driver, inRoundOrder(lineup), { throughput: options.rounds, latency: options.rounds }, progress);
}

function runEnginePhase(options: BenchOptions, lineup: Lineup): Promise<PhaseResult> {
  const driver = engineDriver({
    concurrency: options.concurrency,
    requestsPerRound: Math.ceil(options.requests / options.slices),
    latencyRequests: options.latencyRequests,
    streams: options.streams,
  });
  return runPhase(driver, inRoundOrder(lineup), { throughput: options.slices, latency: options.rounds }, progress);
}

/** Peak RSS of each process, under the name of the first target it serves. */
function peakRssByTarget(lineup: Lineup): Map<string, number> {
  const measured = [lineup.floor, lineup.proxy, lineup.quietProxy, lineup.cacheHits, lineup.fileEventLog];
  return new Map(measured.flatMap((target) => (target.pid === undefined ? [] : [[target.name, peakRssMiB(target.pid)] as const])));
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const workDir = mkdtempSync(join(tmpdir(), 'llm-proxy-bench-'));
  const children: ChildProcess[] = [];
  try {
    const lineup = await startLineup(workDir, children);
    const wrk = await runWrkPhase(options, lineup);
    const engine = await runEnginePhase(options, lineup);
    const report = buildReport({ options, lineup, wrk, engine, peakRssMiB: peakRssByTarget(lineup) });
    progress(`measured in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
    process.stdout.write(options.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
