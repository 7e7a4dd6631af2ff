import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { runCli } from '../support/cli.js';
import { startDispatcher } from '../support/dispatcher-process.js';
import { listenOnLoopback, unusedPort } from '../support/http-server.js';
import { MANAGEMENT_TOKEN, startHarness, type Harness } from '../support/proxy-harness.js';
import { redisUnavailable } from '../support/tcp-relay.js';
import { makeTempDir } from '../support/temp-dir.js';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const linesOf = (path: string): ProxyEvent[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ProxyEvent)
    : [];

describe('llm-proxy dispatcher (built CLI) in live mode against a real server', () => {
  let harness: Harness;
  let token: string;
  let temp: ReturnType<typeof makeTempDir>;
  beforeAll(async () => {
    harness = await startHarness();
    ({ token } = await harness.issueToken());
    temp = makeTempDir();
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
  });

  async function chat(content: string): Promise<string> {
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse();
    return response.headers.get('x-request-id') ?? '';
  }

  const connection = () => ['--manage-api-base-url', harness.url, '--management-token', MANAGEMENT_TOKEN];

  it('appends proxied calls to the file, reopens it on SIGHUP, and exits 0 with a summary on SIGTERM', async () => {
    const path = join(temp.dir, 'events.jsonl');
    const dispatcher = startDispatcher(['--service', 'file', '--endpoint', path, '--flush-interval', '100ms', ...connection()], temp.dir);
    await dispatcher.waitFor(/live stream of http:\/\/127\.0\.0\.1:\d+ → file .*events\.jsonl/);

    const first = [await chat('one'), await chat('two'), await chat('three')];
    await until(() => linesOf(path).length === 3, 'three lines in the file');
    expect(linesOf(path).map((event) => event.request_id)).toEqual(first);
    expect(linesOf(path)[0]).toMatchObject({ schema_version: 1, method: 'POST', path: '/v1/chat/completions', status: 200 });

    renameSync(path, `${path}.1`);
    dispatcher.child.kill('SIGHUP');
    await dispatcher.waitFor(/SIGHUP: reopened file/);
    const after = await chat('four');
    await until(() => linesOf(path).length === 1, 'a line in the new file');
    expect(linesOf(path).map((event) => event.request_id)).toEqual([after]);
    expect(linesOf(`${path}.1`)).toHaveLength(3);

    dispatcher.child.kill('SIGTERM');
    expect(await dispatcher.exited).toBe(0);
    expect(dispatcher.stderr()).toMatch(/dispatcher stopped: 4 events delivered in \d+ batch(es)? over [\d.]+s, 0 retries, 0 dead-lettered/);
  });

  it('on SIGTERM, finishes the batch in flight, acknowledges it and exits 0', async () => {
    // A webhook receiver that holds the first batch until the dispatcher was told to stop.
    let held: ServerResponse | undefined;
    const bodies: string[] = [];
    const hook = await listenOnLoopback(
      createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          if (req.method !== 'POST') return void res.writeHead(204).end();
          bodies.push(body);
          if (held === undefined) held = res;
          else res.writeHead(200).end();
        });
      }),
    );
    try {
      const dispatcher = startDispatcher(
        ['--service', 'webhook', '--endpoint', `${hook.url}/hook`, '--webhook-secret', 'whsec', '--flush-interval', '50ms', ...connection()],
        temp.dir,
      );
      await dispatcher.waitFor(/→ webhook http:\/\/127\.0\.0\.1:\d+\/…/);
      const requestId = await chat('in flight');
      await until(() => held !== undefined, 'the batch in flight');
      dispatcher.child.kill('SIGTERM');
      await dispatcher.waitFor(/SIGTERM: shipping what was read/);
      held?.writeHead(200).end();

      expect(await dispatcher.exited).toBe(0);
      expect((JSON.parse(bodies[0] ?? '') as { events: ProxyEvent[] }).events.map((event) => event.request_id)).toEqual([requestId]);
      expect(dispatcher.stderr()).toMatch(/dispatcher stopped: 1 event delivered in 1 batch/);
    } finally {
      await hook.close();
    }
  });

  it('exits 3, after saying so, when the sink refuses its credentials (webhook 401)', async () => {
    const hook = await listenOnLoopback(
      createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(req.method === 'POST' ? 401 : 204).end());
      }),
    );
    try {
      const dispatcher = startDispatcher(
        ['--service', 'webhook', '--endpoint', hook.url, '--webhook-secret', 'whsec', '--flush-interval', '50ms', ...connection()],
        temp.dir,
      );
      await dispatcher.waitFor(/→ webhook/);
      await chat('refused');
      expect(await dispatcher.exited).toBe(3);
      expect(dispatcher.stderr()).toMatch(/Error: the webhook at http:\/\/127\.0\.0\.1:\d+ refused the credentials \(HTTP 401\): check the receiver and --webhook-secret/);
      expect(dispatcher.stderr()).not.toContain('whsec');
    } finally {
      await hook.close();
    }
  });

  it('sends Lunary runs built from the real events: request, answer (a stream merged), provider usage', async () => {
    const runs: { input: { messages: unknown[] }; output: { choices: { message: { content: string } }[] }; tokensUsage?: object; metadata: { request_id: string } }[] = [];
    const lunary = await listenOnLoopback(
      createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          if (req.method === 'POST') runs.push(...(JSON.parse(body) as typeof runs));
          res.writeHead(200).end('{}');
        });
      }),
    );
    try {
      const dispatcher = startDispatcher(
        ['--service', 'lunary', '--endpoint', `${lunary.url}/v1/runs/ingest`, '--api-key', 'lunary-test-key', '--flush-interval', '50ms', ...connection()],
        temp.dir,
      );
      await dispatcher.waitFor(/→ lunary/);
      const plain = await chat('plain question');
      const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
      const { data: stream, response } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'streamed question' }], stream: true })
        .withResponse();
      for await (const _chunk of stream); // read to the end
      const streamed = response.headers.get('x-request-id');
      await until(() => runs.length >= 2, 'two runs');
      dispatcher.child.kill('SIGTERM');
      expect(await dispatcher.exited).toBe(0);

      const byRequest = new Map(runs.map((run) => [run.metadata.request_id, run]));
      expect(byRequest.get(plain)?.input.messages).toEqual([{ role: 'user', content: 'plain question' }]);
      expect(byRequest.get(plain)?.output.choices[0]?.message.content).toBe('echo: plain question');
      expect(byRequest.get(plain)?.tokensUsage).toEqual({ prompt: 5, completion: 3 });
      expect(byRequest.get(streamed ?? '')?.output.choices[0]?.message.content).toBe('echo: streamed question');
      expect(byRequest.get(streamed ?? '')?.tokensUsage).toBeDefined();
    } finally {
      await lunary.close();
    }
  });

  it('exits 3 when the server refuses the management token', async () => {
    const result = await runCli(['dispatcher', '--endpoint', join(temp.dir, 'x.jsonl'), '--manage-api-base-url', harness.url, '--management-token', 'wrong'], {
      cwd: temp.dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the management token was rejected (HTTP 401)');
  });
});

describe('llm-proxy dispatcher (built CLI) refusing to start', () => {
  it('exits 1 on an unknown --service, naming the services there are', async () => {
    const result = await runCli(['dispatcher', '--service', 'kafka', '--endpoint', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: --service: expected one of file, lunary, helicone, webhook, got "kafka"');
  });

  it('exits 2 when no server listens at --manage-api-base-url', async () => {
    const temp = makeTempDir();
    try {
      const url = `http://127.0.0.1:${await unusedPort()}`;
      const result = await runCli(['dispatcher', '--endpoint', join(temp.dir, 'x.jsonl'), '--manage-api-base-url', url, '--management-token', 't'], {
        cwd: temp.dir,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot reach the management API at ${url} (connection refused)`);
    } finally {
      temp.remove();
    }
  });

  it('exits 2 when the file cannot be opened', async () => {
    const result = await runCli(['dispatcher', '--endpoint', '/nonexistent-dir/events.jsonl', '--management-token', 't']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Error: cannot open /nonexistent-dir/events.jsonl for appending');
  });

  it('exits 2 when LLM_PROXY_EVENT_BUS=redis-streams and Redis cannot be reached, naming the address', async () => {
    const address = `127.0.0.1:${await unusedPort()}`;
    const result = await runCli(['dispatcher', '--endpoint', '/dev/null'], { env: { LLM_PROXY_EVENT_BUS: 'redis-streams', REDIS_ADDR: address } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot reach Redis at ${address}`);
  });
});

const redisUnreachable = await redisUnavailable();

describe.skipIf(redisUnreachable !== undefined)('llm-proxy dispatcher (built CLI) on Redis Streams (real Redis on 127.0.0.1:6379)', () => {
  const streamKey = `llm-proxy-test:dispatcher-cli:${randomUUID()}`;
  const redisSettings = {
    LLM_PROXY_EVENT_BUS: 'redis-streams',
    REDIS_ADDR: '127.0.0.1:6379',
    REDIS_STREAM_KEY: streamKey,
    REDIS_CONSUMER_GROUP: `group-${randomUUID()}`,
  };
  let harness: Harness;
  let temp: ReturnType<typeof makeTempDir>;
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  beforeAll(async () => {
    harness = await startHarness(redisSettings);
    temp = makeTempDir();
  });
  afterAll(async () => {
    await harness.close();
    temp.remove();
    await redis.del(streamKey, `${streamKey}:dead-letter`);
    redis.disconnect();
  });

  it('ships what the server published while no dispatcher ran, then what follows; acknowledges all; exits 0 on SIGTERM', async () => {
    const { token } = await harness.issueToken();
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const chat = async (content: string) =>
      (await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }).withResponse()).response.headers.get('x-request-id');
    const before = [await chat('before one'), await chat('before two')];

    const path = join(temp.dir, 'events.jsonl');
    const dispatcher = startDispatcher(['--service', 'file', '--endpoint', path, '--flush-interval', '100ms'], temp.dir, { env: redisSettings });
    await dispatcher.waitFor(/redis-streams llm-proxy-test:dispatcher-cli:\S+@127\.0\.0\.1:6379 .*→ file/);
    await until(() => linesOf(path).length === 2, 'the events published before the start');
    const after = await chat('after');
    await until(() => linesOf(path).length === 3, 'the event published after the start');
    expect(linesOf(path).map((event) => event.request_id)).toEqual([...before, after]);

    dispatcher.child.kill('SIGTERM');
    expect(await dispatcher.exited).toBe(0);
    const [pendingCount] = (await redis.xpending(streamKey, redisSettings.REDIS_CONSUMER_GROUP)) as [number];
    expect(pendingCount).toBe(0);
  });
});
