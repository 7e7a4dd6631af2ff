import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_KEY, startHarness, type Harness } from '../support/proxy-harness.js';

describe('the official openai client through the proxy', () => {
  let harness: Harness;
  let client: OpenAI;
  let token: string;

  beforeAll(async () => {
    harness = await startHarness();
    ({ token } = await harness.issueToken());
    client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => harness.close());

  function lastUpstreamRequest() {
    const request = harness.mock.received.at(-1);
    if (!request) throw new Error('upstream received nothing');
    return request;
  }

  it('completes a chat and swaps the token for the project key', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]?.message.content).toBe('echo: hello');
    const upstream = lastUpstreamRequest();
    expect(upstream.url).toBe('/v1/chat/completions');
    expect(upstream.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(upstream.headers)).not.toContain(token);
    expect(JSON.parse(upstream.body)).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('streams a chat completion chunk by chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    });
    const deltas: string[] = [];
    for await (const chunk of stream) deltas.push(chunk.choices[0]?.delta.content ?? '');
    expect(deltas.join('')).toBe('echo: one two three');
    expect(deltas.filter((delta) => delta !== '').length).toBeGreaterThan(2);
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
    expect(result.data[0]?.embedding).toHaveLength(3);
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('creates a response, plain and streamed', async () => {
    const response = await client.responses.create({ model: 'gpt-4o-mini', input: 'ping' });
    expect(response.output_text).toBe('echo: ping');
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'pong', stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['response.created', 'response.output_text.delta', 'response.output_text.delta', 'response.completed']);
  });

  it('returns our request id and keeps the upstream one', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .withResponse();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{12}-[0-9a-z]{8,}$/);
    expect(response.headers.get('x-upstream-request-id')).toBe('req_upstream_123');
    const start = BigInt(response.headers.get('x-upstream-request-start') ?? '0');
    const stop = BigInt(response.headers.get('x-upstream-request-stop') ?? '0');
    expect(stop).toBeGreaterThanOrEqual(start);
    expect(Number(start / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('shows the reason when the token is refused', async () => {
    const stranger = new OpenAI({ apiKey: 'sk-AAAAAAAAAAAAAAAAAAAAAA', baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401, code: 'token_not_found' });
  });
});
