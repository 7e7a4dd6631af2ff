/**
 * wrk (github.com/wg/wrk) as a bench load driver: an independent C load generator, so the figures
 * do not rest on our own engine alone. Requests come from bench/wrk-post.lua.
 */
import { spawn, spawnSync } from 'node:child_process';
import { CHAT_BODY, tokenFor, type LatencyOutcome, type LoadDriver } from './phase.js';
import { benchPath, type Target } from './targets.js';

export interface WrkSettings {
  /** Connections of the throughput runs. */
  readonly concurrency: number;
  /** wrk threads of the throughput runs (latency runs use one thread, one connection). */
  readonly threads: number;
  /** Length of each run, in whole seconds (wrk's unit). */
  readonly seconds: number;
}

/** The figures the Lua script prints when a run ends. */
interface WrkResult {
  requests: number;
  durationUs: number;
  refused: number;
  brokenConnections: number;
  p50Us: number;
  p99Us: number;
}

export const WRK_INSTALL_HINT = 'wrk is not installed: the wrk phase is skipped (Debian/Ubuntu: apt-get install -y wrk).';

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** Runs wrk against a target; `tokens` go through the environment, never on the command line. */
function runWrk(target: Target, tokens: readonly string[], options: { connections: number; threads: number; seconds: number }): Promise<WrkResult> {
  const url = new URL('/v1/chat/completions', target.baseUrl).href;
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '--timeout', '10s', '-s', benchPath('./wrk-post.lua'), url];
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, WRK_TOKENS: tokens.join(','), WRK_BODY: CHAT_BODY };
  if (target.cacheTtlSeconds !== undefined) env.WRK_CACHE_CONTROL = `public, max-age=${target.cacheTtlSeconds}`;
  const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const line = /^wrk-result (\{.*\})$/m.exec(output);
      if (code === 0 && line?.[1]) resolve(JSON.parse(line[1]) as WrkResult);
      else reject(new Error(`wrk exited with ${code}: ${output.trim()}`));
    });
  });
}

function outcomeOf(result: WrkResult): LatencyOutcome {
  return {
    answered: result.requests,
    ok: result.requests - result.refused,
    broken: result.brokenConnections,
    requestsPerSecond: result.requests / (result.durationUs / 1_000_000),
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    firstByteMs: Number.NaN,
  };
}

export function wrkDriver(settings: WrkSettings): LoadDriver {
  const manyConnections = { connections: settings.concurrency, threads: settings.threads, seconds: settings.seconds };
  return {
    name: 'wrk',
    async warmUp(target) {
      await runWrk(target, target.tokens, { ...manyConnections, seconds: 1 });
    },
    async throughput(target) {
      return outcomeOf(await runWrk(target, target.tokens, manyConnections));
    },
    async latency(target) {
      return outcomeOf(await runWrk(target, [tokenFor(target, 0)], { connections: 1, threads: 1, seconds: settings.seconds }));
    },
  };
}
