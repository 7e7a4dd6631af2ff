import { Server as HttpServer, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

export interface Listening {
  readonly url: string;
  readonly port: number;
  /** Drops open connections, then stops listening. */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 on a free port (HTTP servers get a short keep-alive, for quick closes). */
export async function listenOnLoopback(server: Server): Promise<Listening> {
  if (server instanceof HttpServer) server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        if (server instanceof HttpServer) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestServer {
  readonly url: string;
  /** Requests received so far (counted when the request body has been read). */
  readonly received: IncomingMessage[];
  /** Most requests being handled at the same time. */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1:0 that reads each request body, then calls `handler`. */
export async function startTestServer(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<TestServer> {
  const received: IncomingMessage[] = [];
  let active = 0;
  let maxConcurrent = 0;
  const server = createServer((req, res) => {
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    res.once('close', () => active--);
    req.resume();
    req.once('end', () => {
      received.push(req);
      handler(req, res, received.length - 1);
    });
  });
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    received,
    get maxConcurrent() {
      return maxConcurrent;
    },
    close,
  };
}

/** A port nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const { port, close } = await listenOnLoopback(createServer());
  await close();
  return port;
}
