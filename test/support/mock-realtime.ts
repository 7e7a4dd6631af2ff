import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { listenOnLoopback } from './http-server.js';

/** One WebSocket session as the mock upstream saw it. */
export interface RealtimeSession {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: WebSocket;
  /** Resolves with the close code once the session has ended on the upstream side. */
  readonly closed: Promise<number>;
}

export interface MockRealtime {
  /** http://127.0.0.1:port, to be used as the proxy's OPENAI_API_URL. */
  readonly url: string;
  /** TCP connections accepted so far (an upstream the proxy never contacted stays at 0). */
  readonly connections: number;
  readonly sessions: RealtimeSession[];
  /** One promise per upgrade request on HELD_PATH (never answered), resolved when the proxy closes its connection. */
  readonly held: Promise<void>[];
  close(): Promise<void>;
}

/** Path on which the mock refuses the upgrade with a plain HTTP answer, as OpenAI does for a bad key. */
export const REFUSED_PATH = '/v1/realtime/refused';
/** Path on which the mock never answers the upgrade request. */
export const HELD_PATH = '/v1/realtime/held';
export const REFUSED_BODY = JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });

/**
 * A WebSocket upstream on 127.0.0.1 in the manner of OpenAI's realtime API: it accepts upgrades
 * on any path, greets each session with one message, then echoes every message it gets back.
 */
export async function startMockRealtime(): Promise<MockRealtime> {
  const sessions: RealtimeSession[] = [];
  const held: Promise<void>[] = [];
  const heldSockets: Duplex[] = [];
  let connections = 0;
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('connection', () => (connections += 1));
  server.on('upgrade', (req, socket, head) => {
    if (req.url === REFUSED_PATH) {
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${REFUSED_BODY.length}\r\nx-request-id: req_upstream_ws\r\n\r\n${REFUSED_BODY}`);
      return;
    }
    if (req.url === HELD_PATH) {
      heldSockets.push(socket);
      // Read, so that the proxy's side closing is seen ('end'; the server half-closes nothing itself).
      held.push(new Promise((resolve) => socket.once('end', () => resolve())));
      socket.once('end', () => socket.destroy());
      socket.resume();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      sessions.push({ url: req.url ?? '', headers: req.headers, socket: ws, closed });
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.send(JSON.stringify({ type: 'session.created' }));
    });
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    get connections() {
      return connections;
    },
    sessions,
    held,
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of heldSockets) socket.destroy();
      wss.close();
      await listening.close();
    },
  };
}
