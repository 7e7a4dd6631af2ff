/**
 * `server --workers 2` against one worker, on this machine: throughput at 64 connections and CPU
 * per request (user + system time of every process of the server: the primary and its workers),
 * measured with wrk in rounds that alternate between the two servers, against the bench's mock
 * upstream. Not a test; run with `npx tsx bench/workers.ts [--rounds 3] [--seconds 5]` after
 * `npm run build`. wrk and the upstream run on the same cores as the proxy: on a 2-core machine
 * they take a good part of the CPU the second worker would use, which caps the gain.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuMicros, forkWithPort, mintToken, startLlmProxy, type Target } from './targets.js';
import { median } from './samples.js';
import { WRK_INSTALL_HINT, wrkAvailable, wrkDriver } from './wrk-driver.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '64' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

/** The server's processes: the one started, and its children (the workers), found through /proc. */
function processTree(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [pid, ...children];
}

/** CPU time of the processes alive at both ends of a run, in microseconds. */
function treeCpu(pids: readonly number[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    try {
      times.set(pid, cpuMicros(pid));
    } catch {
      // exited
    }
  }
  return times;
}

interface Sample {
  readonly requestsPerSecond: number;
  readonly cpuMicrosPerRequest: number;
  /** The part of it spent by the process started (with workers: the primary, which hands out connections). */
  readonly startedProcessMicrosPerRequest: number;
  readonly errors: number;
}

async function main(): Promise<void> {
  if (!wrkAvailable()) throw new Error(WRK_INSTALL_HINT);
  const workDir = mkdtempSync(join(tmpdir(), 'llm-proxy-bench-workers-'));
  const upstream = await forkWithPort('./mock-upstream.mjs', ['0']);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const servers: { name: string; target: Target; stop: () => void }[] = [];
  try {
    for (const workers of [1, 2]) {
      const name = `${workers} worker${workers > 1 ? 's' : ''}`;
      const started = await startLlmProxy(upstreamUrl, join(workDir, `w${workers}.db`), { LLM_PROXY_WORKERS: String(workers) });
      const target: Target = { name, role: 'proxy', baseUrl: started.url, tokens: [await mintToken(started.url)], pid: started.child.pid };
      servers.push({ name, target, stop: () => started.child.kill('SIGTERM') });
    }
    const driver = wrkDriver({ concurrency, threads: 2, seconds });
    const samples = new Map<string, Sample[]>(servers.map((server) => [server.name, []]));
    for (const server of servers) await driver.warmUp(server.target);
    for (let round = 0; round < rounds; round += 1) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const pids = processTree(server.target.pid as number);
        const before = treeCpu(pids);
        const outcome = await driver.throughput(server.target, round);
        const after = treeCpu(pids);
        let cpu = 0;
        for (const [pid, end] of after) cpu += end - (before.get(pid) ?? end);
        const started = server.target.pid as number;
        const requests = Math.max(1, outcome.answered);
        samples.get(server.name)?.push({
          requestsPerSecond: outcome.requestsPerSecond,
          cpuMicrosPerRequest: cpu / requests,
          startedProcessMicrosPerRequest: ((after.get(started) ?? 0) - (before.get(started) ?? 0)) / requests,
          errors: outcome.answered - outcome.ok + outcome.broken,
        });
      }
    }
    const summary = servers.map(({ name }) => {
      const list = samples.get(name) ?? [];
      return {
        name,
        requestsPerSecond: median(list.map((sample) => sample.requestsPerSecond)),
        cpuMicrosPerRequest: median(list.map((sample) => sample.cpuMicrosPerRequest)),
        startedProcessMicrosPerRequest: median(list.map((sample) => sample.startedProcessMicrosPerRequest)),
        errors: list.reduce((sum, sample) => sum + sample.errors, 0),
      };
    });
    const [one, two] = summary as [(typeof summary)[0], (typeof summary)[0]];
    console.log(`wrk, ${concurrency} connections, ${rounds} rounds of ${seconds} s, POST /v1/chat/completions against bench/mock-upstream.mjs; medians`);
    for (const row of summary) {
      console.log(`  ${row.name.padEnd(10)} ${row.requestsPerSecond.toFixed(0).padStart(7)} req/s  ${row.cpuMicrosPerRequest.toFixed(0).padStart(5)} µs CPU/request (all processes of the server; ${row.startedProcessMicrosPerRequest.toFixed(1)} µs in the one started)  errors ${row.errors}`);
    }
    const throughputRatio = two.requestsPerSecond / one.requestsPerSecond;
    const cpuRatio = two.cpuMicrosPerRequest / one.cpuMicrosPerRequest;
    console.log(`  throughput 2 workers / 1: ${throughputRatio.toFixed(2)}× (bound ≥ 1.3×: ${throughputRatio >= 1.3 ? 'PASS' : 'FAIL'})`);
    console.log(`  CPU per request 2 workers / 1: ${cpuRatio.toFixed(2)}× (bound ≤ 1.1×: ${cpuRatio <= 1.1 ? 'PASS' : 'FAIL'})`);
    console.log(`  errors: ${one.errors + two.errors === 0 ? 'none (PASS)' : `${one.errors + two.errors} (FAIL)`}`);
  } finally {
    for (const server of servers) server.stop();
    upstream.child.kill();
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
