import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './http-server.js';

/** One request as the mock upstream received it. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type MockRoute = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface MockOpenAi {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Replaces the answer for one path (exact match, without query). */
  route(path: string, handler: MockRoute): void;
  /** Called when a client of the mock closes its connection before the response ended. */
  readonly aborts: string[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_upstream_123', ...headers });
  res.end(text);
}

function chatCompletion(request: { model?: string; messages?: { content?: unknown }[] }) {
  const last = request.messages?.at(-1)?.content;
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: request.model ?? 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${String(last ?? '')}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
  };
}

/** The usage the mock reports for a streamed chat answer of `words`. */
export function streamUsage(words: readonly string[]) {
  return { prompt_tokens: 7, completion_tokens: words.length, total_tokens: 7 + words.length, prompt_tokens_details: { cached_tokens: 2 } };
}

/**
 * Writes an SSE stream of `chunks` chat deltas, `intervalMs` apart, then `[DONE]`. With
 * `includeUsage` it does what OpenAI does for stream_options.include_usage: `"usage":null` in
 * every chunk, and a last chunk with no choices and the usage.
 */
export async function streamChat(res: ServerResponse, words: string[], intervalMs = 0, model = 'gpt-4o-mini', includeUsage = false): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1_700_000_000, model, system_fingerprint: 'fp_mock' };
  const usageNull = includeUsage ? { usage: null } : {};
  for (const [index, word] of words.entries()) {
    if (res.destroyed) return;
    const chunk = {
      ...base,
      choices: [{ index: 0, delta: index === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }],
      ...usageNull,
    };
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  if (res.destroyed) return;
  res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...usageNull })}\n\n`);
  if (includeUsage) res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: streamUsage(words) })}\n\n`);
  res.end('data: [DONE]\n\n');
}

const defaultRoutes: Record<string, MockRoute> = {
  '/v1/chat/completions': async (_req, res, body) => {
    const request = JSON.parse(body || '{}') as {
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
      model?: string;
      messages?: { content?: unknown }[];
    };
    if (request.stream) {
      const reply = chatCompletion(request).choices[0]?.message.content ?? '';
      await streamChat(res, reply.split(/(?<= )/), 0, request.model, request.stream_options?.include_usage === true);
      return;
    }
    json(res, 200, chatCompletion(request));
  },
  '/v1/embeddings': (_req, res, body) => {
    const request = JSON.parse(body || '{}') as { model?: string; encoding_format?: string };
    const vector = [0.1, 0.2, 0.3];
    const embedding =
      request.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    json(res, 200, {
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding }],
      model: request.model ?? 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  },
  '/v1/models': (_req, res) => {
    json(res, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1_700_000_000, owned_by: 'openai' }] });
  },
  '/v1/responses': async (_req, res, body) => {
    const request = JSON.parse(body || '{}') as { stream?: boolean; model?: string; input?: unknown };
    const response = {
      id: 'resp_mock',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      model: request.model ?? 'gpt-4o-mini',
      output: [
        {
          type: 'message',
          id: 'msg_mock',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: `echo: ${String(request.input)}`, annotations: [] }],
        },
      ],
      usage: { input_tokens: 2, output_tokens: 2, total_tokens: 4 },
    };
    if (!request.stream) {
      json(res, 200, response);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let sequence = 0;
    const send = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
    send('response.created', { response: { ...response, status: 'in_progress', output: [] } });
    send('response.output_text.delta', { item_id: 'msg_mock', output_index: 0, content_index: 0, delta: 'echo: ' });
    send('response.output_text.delta', { item_id: 'msg_mock', output_index: 0, content_index: 0, delta: String(request.input) });
    send('response.completed', { response });
    res.end();
  },
};

/** A small OpenAI-compatible upstream on 127.0.0.1 that records what it receives. */
export async function startMockOpenAi(): Promise<MockOpenAi> {
  const received: ReceivedRequest[] = [];
  const aborts: string[] = [];
  const routes = new Map<string, MockRoute>(Object.entries(defaultRoutes));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      received.push({ method: req.method ?? 'GET', url, headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) aborts.push(url);
      });
      const handler = routes.get(url.split('?')[0] ?? url);
      if (!handler) {
        json(res, 404, { error: { message: `mock: no route ${url}`, type: 'invalid_request_error', code: null } });
        return;
      }
      Promise.resolve(handler(req, res, body)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
        else res.destroy();
      });
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    received,
    aborts,
    route: (path, handler) => routes.set(path, handler),
    close,
  };
}
