import { createServer, type IncomingHttpHeaders } from 'node:http';
import { listenOnLoopback } from '../support/http-server.js';

export interface ReceivedPost {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface Answer {
  readonly status: number;
  readonly body?: string;
  /** Never answers (the request hangs until the client gives up). */
  readonly hang?: boolean;
}

export interface Receiver {
  readonly url: string;
  /** Every request received (HEAD preflights included), bodies read. */
  readonly requests: ReceivedPost[];
  /** The POSTs only. */
  posts(): ReceivedPost[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for a sink's service; `answer` decides each POST's status (it may take its time). */
export async function startReceiver(
  answer: (post: ReceivedPost, index: number) => Answer | Promise<Answer> = () => ({ status: 200 }),
): Promise<Receiver> {
  const requests: ReceivedPost[] = [];
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      if (received.method !== 'POST') return void res.writeHead(204).end();
      void Promise.resolve(answer(received, posts++)).then(({ status, body, hang }) => {
        if (hang || res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' }).end(body ?? '{}');
      });
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    requests,
    posts: () => requests.filter((request) => request.method === 'POST'),
    close: listening.close,
  };
}
