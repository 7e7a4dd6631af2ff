// The ceiling of `llm-proxy benchmark`: how many requests a second its load generator drives
// against a trivial node:http server answering `{}` (run in its own process), and how much CPU
// the generator spends per request. Not a test.
//
//   npm run build && node bench/benchmark-ceiling.mjs [concurrency=64] [requests=20000] [rounds=3]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import console from 'node:console';
import process from 'node:process';
import { URL } from 'node:url';
import { runLoad } from '../dist/benchmark/index.js';

const [concurrency = 64, requests = 20_000, rounds = 3] = process.argv.slice(2).map(Number);

const SERVER = `
  const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('{}')); });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portLine] = await once(server.stdout, 'data');
const url = new URL(`http://127.0.0.1:${String(portLine).trim()}/v1/models`);

try {
  // One short warm-up run, so the JIT has compiled the hot path.
  await runLoad({ url, method: 'GET', token: 'sk-bench', concurrency, requests: 2000, timeoutMs: 10_000 });
  for (let round = 1; round <= rounds; round++) {
    const cpuBefore = process.cpuUsage();
    const result = await runLoad({ url, method: 'GET', token: 'sk-bench', concurrency, requests, timeoutMs: 10_000 });
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPerRequestUs = (cpu.user + cpu.system) / result.completed;
    console.log(
      `round ${round}: ${result.requestsPerSecond.toFixed(0)} req/s, ${result.succeeded}/${requests} ok, ` +
        `p50 ${result.latency?.p50.toFixed(3)} ms, p99 ${result.latency?.p99.toFixed(3)} ms, ` +
        `generator CPU ${cpuPerRequestUs.toFixed(1)} µs/request (≈ ${(1e6 / cpuPerRequestUs).toFixed(0)} req/s per core)`,
    );
  }
} finally {
  server.kill();
}
