/**
 * What llm-proxy costs on the request path, measured in one run against three targets that share
 * one mock upstream: the upstream directly, a bare ~30-line node:http pass-through proxy (the floor
 * of any Node.js proxy), and llm-proxy with a real withering token. Figures are reported as ratios
 * to the bare proxy of the same run.
 *
 *   npm run bench                       # defaults below
 *   npm run bench -- --rounds 5 --requests 40000
 *
 * Not a test: nothing here asserts timings.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, type BenchmarkResult } from '../src/benchmark/index.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    slices: { type: 'string', default: '12' },
    requests: { type: 'string', default: '30000' },
    'latency-requests': { type: 'string', default: '1000' },
    streams: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '64' },
  },
});
const ROUNDS = Number(args.rounds);
const SLICES = Number(args.slices);
const THROUGHPUT_REQUESTS = Number(args.requests);
const LATENCY_REQUESTS = Number(args['latency-requests']);
const STREAMS = Number(args.streams);
const CONCURRENCY = Number(args.concurrency);

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CHAT_BODY = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }));
const STREAM_BODY = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello!' }] }));
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

interface Target {
  readonly name: string;
  readonly baseUrl: string;
  readonly token: string;
  /** The proxy process whose CPU and memory are measured; none for the upstream itself. */
  readonly pid: number | undefined;
}

interface Throughput {
  requestsPerSecond: number;
  /** CPU µs per request of each slice, in slice order (paired with the other targets' slices). */
  cpuMicrosPerRequest: number[];
  errors: number;
}

interface Latency {
  p50Ms: number;
  p99Ms: number;
  ttfbMs: number;
  errors: number;
}

/** Forks a bench helper that reports its port over IPC. */
function forkWithPort(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(here(script), args, { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function startLlmProxy(upstreamUrl: string, dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [here('../dist/cli/bin.js'), 'server', '--addr', '127.0.0.1:0', '--db', dbPath, '--config', '/dev/null'], {
    env: { PATH: process.env.PATH, MANAGEMENT_TOKEN: 'bench-management-token', OPENAI_API_URL: upstreamUrl, LOG_LEVEL: 'warn' },
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

async function mintToken(proxyUrl: string): Promise<string> {
  const headers = { authorization: 'Bearer bench-management-token', 'content-type': 'application/json' };
  const project = (await (
    await fetch(`${proxyUrl}/manage/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench', api_key: 'sk-upstream-key' }) })
  ).json()) as { id: string };
  const created = (await (
    await fetch(`${proxyUrl}/manage/tokens`, { method: 'POST', headers, body: JSON.stringify({ project_id: project.id, duration_hours: 24 }) })
  ).json()) as { token: string };
  return created.token;
}

/** User + system CPU time of a process, in microseconds (/proc/<pid>/stat fields 14 and 15). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Peak resident set size of a process, in MiB (VmHWM). */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

function load(target: Target, overrides: { concurrency: number; requests: number; body: Buffer; expectStream?: boolean }): Promise<BenchmarkResult> {
  return runLoad({
    url: new URL('/v1/chat/completions', target.baseUrl),
    method: 'POST',
    token: target.token,
    body: overrides.body,
    expectStream: overrides.expectStream,
    concurrency: overrides.concurrency,
    requests: overrides.requests,
    timeoutMs: 30_000,
  });
}

/**
 * Throughput and CPU, in short slices that alternate between the targets: CPU time per request
 * is compared slice by slice, so drifts of a shared machine hit both sides of each pair alike.
 */
async function measureThroughput(targets: readonly Target[]): Promise<Map<string, Throughput>> {
  const results = new Map<string, Throughput & { completed: number; elapsedMs: number }>(
    targets.map((target) => [target.name, { requestsPerSecond: 0, cpuMicrosPerRequest: [], errors: 0, completed: 0, elapsedMs: 0 }]),
  );
  for (const target of targets) await load(target, { concurrency: CONCURRENCY, requests: 5_000, body: CHAT_BODY }); // warm-up
  const perSlice = Math.ceil(THROUGHPUT_REQUESTS / SLICES);
  for (let slice = 0; slice < SLICES; slice++) {
    for (const target of targets) {
      const result = results.get(target.name);
      if (!result) continue;
      const cpuBefore = target.pid === undefined ? 0 : cpuMicros(target.pid);
      const run = await load(target, { concurrency: CONCURRENCY, requests: perSlice, body: CHAT_BODY });
      if (target.pid !== undefined) result.cpuMicrosPerRequest.push((cpuMicros(target.pid) - cpuBefore) / run.completed);
      result.completed += run.completed;
      result.elapsedMs += run.elapsedMs;
      result.errors += run.failed;
    }
  }
  for (const result of results.values()) result.requestsPerSecond = (result.completed * 1000) / result.elapsedMs;
  return results;
}

async function measureLatency(target: Target): Promise<Latency> {
  const latency = await load(target, { concurrency: 1, requests: LATENCY_REQUESTS, body: CHAT_BODY });
  const streams = await load(target, { concurrency: 1, requests: STREAMS, body: STREAM_BODY, expectStream: true });
  return {
    p50Ms: latency.latency?.p50 ?? Number.NaN,
    p99Ms: latency.latency?.p99 ?? Number.NaN,
    ttfbMs: streams.timeToFirstByte?.p50 ?? Number.NaN,
    errors: latency.failed + streams.failed,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'llm-proxy-bench-'));
  const children: ChildProcess[] = [];
  try {
    const upstream = await forkWithPort('./mock-upstream.mjs', ['0']);
    children.push(upstream.child);
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    const bare = await forkWithPort('./bare-proxy.mjs', ['0', String(upstream.port)]);
    children.push(bare.child);
    const llmProxy = await startLlmProxy(upstreamUrl, join(workDir, 'bench.db'));
    children.push(llmProxy.child);

    const targets: Target[] = [
      { name: 'upstream direct', baseUrl: upstreamUrl, token: 'sk-upstream-key', pid: undefined },
      { name: 'bare node:http proxy', baseUrl: `http://127.0.0.1:${bare.port}`, token: 'unused', pid: bare.child.pid },
      { name: 'llm-proxy', baseUrl: llmProxy.url, token: await mintToken(llmProxy.url), pid: llmProxy.child.pid },
    ];
    process.stderr.write(`throughput and CPU: ${SLICES} slices per target…\n`);
    const throughput = await measureThroughput(targets);
    const latencies = new Map<string, Latency[]>(targets.map((target) => [target.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of targets) {
        process.stderr.write(`latency round ${round}/${ROUNDS}: ${target.name}…\n`);
        latencies.get(target.name)?.push(await measureLatency(target));
      }
    }

    const summary = targets.map((target) => {
      const rounds = latencies.get(target.name) ?? [];
      const measured = throughput.get(target.name);
      const pick = (key: 'p50Ms' | 'p99Ms' | 'ttfbMs') => median(rounds.map((round) => round[key]));
      return {
        name: target.name,
        requestsPerSecond: measured?.requestsPerSecond ?? Number.NaN,
        cpuSlices: measured?.cpuMicrosPerRequest ?? [],
        p50Ms: pick('p50Ms'),
        p99Ms: pick('p99Ms'),
        ttfbMs: pick('ttfbMs'),
        cpuMicrosPerRequest: target.pid === undefined ? undefined : median(measured?.cpuMicrosPerRequest ?? []),
        peakRssMiB: target.pid === undefined ? undefined : peakRssMiB(target.pid),
        errors: (measured?.errors ?? 0) + rounds.reduce((sum, round) => sum + round.errors, 0),
      };
    });
    const [direct, bareRow, ours] = summary;
    if (!direct || !bareRow || !ours) throw new Error('missing results');
    const cpuRatio = median(ours.cpuSlices.map((cpu, slice) => cpu / (bareRow.cpuSlices[slice] ?? Number.NaN)));

    const lines = [
      `Throughput and CPU: ${THROUGHPUT_REQUESTS} requests per target at ${CONCURRENCY} connections, in ${SLICES} slices alternating between targets (CPU: median slice). Latency: median of ${ROUNDS} rounds of ${LATENCY_REQUESTS} sequential requests and ${STREAMS} sequential 50-chunk SSE streams.`,
      '',
      '| target | req/s @64 | p50 ms @1 | p99 ms @1 | first SSE byte ms | CPU µs/req | peak RSS MiB | errors |',
      '|---|---|---|---|---|---|---|---|',
      ...summary.map(
        (row) =>
          `| ${row.name} | ${fixed(row.requestsPerSecond, 0)} | ${fixed(row.p50Ms, 3)} | ${fixed(row.p99Ms, 3)} | ${fixed(row.ttfbMs, 3)} | ${fixed(row.cpuMicrosPerRequest, 0)} | ${fixed(row.peakRssMiB, 1)} | ${row.errors} |`,
      ),
      '',
      'llm-proxy against the bare proxy (target in brackets):',
      `- CPU per request: ${fixed(cpuRatio, 2)}× (median of the slice-by-slice ratios; ≤ 1.15×)`,
      `- added p50 at 1 connection: ${fixed(ours.p50Ms - direct.p50Ms, 3)} ms vs ${fixed(bareRow.p50Ms - direct.p50Ms, 3)} ms = ${fixed((ours.p50Ms - direct.p50Ms) / (bareRow.p50Ms - direct.p50Ms), 2)}× (≤ 1.2×)`,
      `- added time to first SSE byte: ${fixed(ours.ttfbMs - direct.ttfbMs, 3)} ms vs ${fixed(bareRow.ttfbMs - direct.ttfbMs, 3)} ms = +${fixed(ours.ttfbMs - bareRow.ttfbMs, 3)} ms (≤ +0.3 ms)`,
      `- peak RSS: ${fixed((ours.peakRssMiB ?? 0) / (bareRow.peakRssMiB ?? 1), 2)}× (≤ 1.3×)`,
      `- throughput: ${fixed(ours.requestsPerSecond / bareRow.requestsPerSecond, 2)}× the bare proxy's req/s`,
      `- errors: ${ours.errors} (0)`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
