import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ERROR_CATALOGUE, isProxyError, type ErrorCode } from '../errors.js';
import { MISSING_USAGE, type CallRecord, type EventBus } from '../events/index.js';
import { createCallDelivery, type EventRecorder } from './call-delivery.js';
import { unixMicros } from './clock.js';
import { copyResponseHeaders } from './headers.js';
import type { ProxyLogger } from './index.js';
import { endSocket, serializeHead, writeErrorResponse } from './raw-response.js';
import { pathOf, type RequestPolicy } from './request-policy.js';
import { pickRequestId } from './request-id.js';
import type { Admission, TokenAuthenticator } from './token-auth.js';
import { switchingProtocolsHeaders, upgradeRequestHeaders } from './upgrade-headers.js';
import { upstreamTarget } from './upstream-target.js';
import { KEY_PROTOCOL_PREFIX, keyProtocolOf } from './websocket-protocols.js';

export interface UpgradeHandlerOptions {
  readonly policy: RequestPolicy;
  readonly auth: TokenAuthenticator;
  /** The provider's base URL (as the upstream pool uses it). */
  readonly baseUrl: URL;
  readonly events: EventBus;
  /** In-process takers of every event (the usage ledger), as for HTTP calls. */
  readonly recorders?: readonly EventRecorder[];
  readonly log: ProxyLogger;
  /** Longest wait for the upstream's answer to the upgrade request (connect included). */
  readonly responseTimeoutMs: number;
}

export interface UpgradeHandler {
  /** Serves one upgrade request on /v1/* (node:http's 'upgrade' event). */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Answers an upgrade request outside /v1 (nothing there speaks WebSocket). */
  refuse(req: IncomingMessage, socket: Duplex): void;
  /** Cuts every open tunnel and pending upgrade (shutdown, once the drain time is up). */
  destroyAll(): void;
}

/** A client sends nothing before the 101 (RFC 6455 §4.1); more than this before it is not a WebSocket client. */
const MAX_EARLY_BYTES = 64 * 1024;

const ONLY_WEBSOCKET = 'Only WebSocket upgrades on /v1 are served: send the request without an Upgrade header';

function isWebSocketUpgrade(upgrade: string | undefined): boolean {
  return upgrade !== undefined && upgrade.toLowerCase() === 'websocket';
}

/**
 * WebSocket upgrades on the data path: the same policy and token admission as any /v1 request,
 * before the upstream is contacted; then the key is swapped, the upgrade is sent upstream on a
 * connection of its own (upgraded sockets never return to a pool), and once the upstream
 * switches protocols the two sockets are piped both ways until either side closes.
 */
export function createUpgradeHandler(options: UpgradeHandlerOptions): UpgradeHandler {
  const { policy, auth, log, responseTimeoutMs } = options;
  const calls = createCallDelivery(options.events, options.recorders);
  const target = upstreamTarget(options.baseUrl);
  const send = target.isHttps ? httpsRequest : httpRequest;
  const openSockets = new Set<Duplex>();

  function track(socket: Duplex): void {
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  }

  function handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const startedMicros = unixMicros();
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const headers = req.headers;
    const requestId = pickRequestId(headers['x-request-id']);
    const clientKeyProtocol = keyProtocolOf(headers['sec-websocket-protocol']);
    let admission: Admission | undefined;
    let outgoing: ClientRequest | undefined;
    let upstreamSocket: Duplex | undefined;
    let upstreamMs: number | null = null;
    let status = 0;
    let errorCode: ErrorCode | null = null;
    let timedOut = false;
    // Bytes relayed after the request head: client → upstream, upstream → client.
    let bytesIn = 0;
    let bytesOut = 0;
    // What the client sent before the tunnel opened, forwarded once it does.
    let early: Buffer[] | undefined = head.length > 0 ? [head] : [];
    let earlySize = head.length;

    track(socket);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      if (early === undefined) return; // tunnel open (counted there) or answered
      earlySize += chunk.length;
      if (earlySize > MAX_EARLY_BYTES) socket.destroy();
      else early.push(chunk);
    });
    // A client that half-closes before anything was answered has gone away.
    socket.on('end', () => {
      if (upstreamSocket === undefined && status === 0) socket.destroy();
    });
    socket.once('close', () => {
      if (upstreamSocket !== undefined) endSocket(upstreamSocket);
      else if (outgoing !== undefined && !outgoing.destroyed) outgoing.destroy(); // the client left before the upstream answered
      if (status === 0) errorCode ??= 'canceled';
      publish();
    });
    socket.resume();

    function publish(): void {
      if (!calls.wanted()) return;
      const endedMicros = unixMicros();
      const call: CallRecord = {
        started_ms: startedMicros / 1000,
        duration_ms: (endedMicros - startedMicros) / 1000,
        upstream_ms: upstreamMs,
        method,
        path: pathOf(url),
        status,
        project_id: admission?.projectId ?? null,
        token_id: admission?.tokenId ?? null,
        cache_status: null,
        usage: MISSING_USAGE,
        error_code: errorCode,
      };
      calls.deliver(call, () => ({
        request_id: requestId,
        model: null,
        stream: false,
        request_body: null,
        response_body: null,
        aborted: status === 0,
        bytes_in: bytesIn,
        bytes_out: bytesOut,
      }));
    }

    function refuse(code: ErrorCode, message?: string, extraHeaders?: readonly string[]): void {
      if (errorCode !== null) return;
      errorCode = code;
      early = undefined;
      if (socket.destroyed) return;
      status = ERROR_CATALOGUE[code].status;
      writeErrorResponse(socket, code, { requestId, message, headers: extraHeaders });
    }

    function fail(error: unknown): void {
      if (socket.destroyed) {
        errorCode ??= 'canceled';
        return;
      }
      const code: ErrorCode = isProxyError(error) ? error.code : timedOut ? 'timeout' : 'upstream_unreachable';
      if (code === 'service_unavailable' || code === 'upstream_unreachable' || code === 'timeout' || code === 'upstream_auth_error') {
        log.warn({ request_id: requestId, code, err: error }, 'proxy upgrade failed');
      }
      // A refusal with its own message and headers (rate_limited: when to retry) keeps them.
      if (isProxyError(error)) refuse(code, error.message, error.headers);
      else refuse(code);
    }

    if (!isWebSocketUpgrade(headers.upgrade)) {
      refuse('invalid_request', ONLY_WEBSOCKET);
      return;
    }
    if (method !== 'GET') {
      refuse('method_not_allowed');
      return;
    }
    const refused = policy.check(method, url, headers.origin);
    if (refused !== undefined) {
      refuse(refused);
      return;
    }

    const authorization = headers.authorization ?? (clientKeyProtocol === undefined ? undefined : `Bearer ${clientKeyProtocol.slice(KEY_PROTOCOL_PREFIX.length)}`);
    const cached = auth.admitCached(authorization);
    if (cached !== undefined) forward(cached);
    else auth.admit(authorization).then(forward, fail);

    function forward(admitted: Admission): void {
      admission = admitted;
      if (socket.destroyed) return; // the client left while its token was checked
      const projectKey = admitted.upstreamAuthorization.slice('Bearer '.length);
      const sentMicros = unixMicros();
      try {
        outgoing = send({
          agent: false,
          hostname: target.hostname,
          port: target.port,
          method: 'GET',
          path: target.pathPrefix + url,
          headers: upgradeRequestHeaders(headers, target.hostHeader, admitted.upstreamAuthorization, projectKey, admitted.upstreamHeaders),
        });
      } catch (error) {
        fail(error); // e.g. a value node refuses in a header: this request fails, not the process
        return;
      }
      outgoing.setTimeout(responseTimeoutMs, () => {
        timedOut = true;
        outgoing?.destroy();
      });
      outgoing.on('error', fail);
      outgoing.on('upgrade', (response: IncomingMessage, upstream: Socket, upstreamHead: Buffer) => {
        upstreamMs = (unixMicros() - sentMicros) / 1000;
        openTunnel(response, upstream, upstreamHead);
      });
      outgoing.on('response', (response: IncomingMessage) => {
        upstreamMs = (unixMicros() - sentMicros) / 1000;
        passResponse(response);
      });
      outgoing.end();
    }

    function openTunnel(response: IncomingMessage, upstream: Socket, upstreamHead: Buffer): void {
      upstreamSocket = upstream;
      track(upstream);
      upstream.setTimeout(0); // a quiet WebSocket is not a silent upstream
      upstream.setNoDelay(true); // small frames (realtime audio) must not wait for Nagle
      upstream.on('error', () => upstream.destroy());
      if (socket.destroyed) {
        upstream.destroy();
        return;
      }
      status = 101;
      socket.write(serializeHead(101, switchingProtocolsHeaders(response.headers, requestId, clientKeyProtocol)));
      if (upstreamHead.length > 0) {
        bytesOut += upstreamHead.length;
        socket.write(upstreamHead);
      }
      for (const chunk of early ?? []) upstream.write(chunk);
      bytesIn += earlySize;
      early = undefined;
      socket.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
      upstream.on('data', (chunk: Buffer) => (bytesOut += chunk.length));
      upstream.once('close', () => endSocket(socket));
      socket.pipe(upstream);
      upstream.pipe(socket);
    }

    /** A refused upgrade: the upstream's status, headers and body go to the client, then the connection closes. */
    function passResponse(response: IncomingMessage): void {
      early = undefined;
      if (socket.destroyed) {
        response.destroy();
        return;
      }
      status = response.statusCode ?? 502;
      const out = copyResponseHeaders(response.headers, ['X-Request-ID', requestId], false);
      out.push('Connection', 'close');
      socket.write(serializeHead(status, out, response.statusMessage));
      response.on('data', (chunk: Buffer) => (bytesOut += chunk.length));
      response.on('end', () => endSocket(socket));
      response.on('close', () => {
        if (!response.complete) socket.destroy(); // the body is cut: nothing else tells the client
      });
      response.pipe(socket, { end: false });
    }
  }

  return {
    handle,
    refuse(req, socket) {
      socket.on('error', () => socket.destroy());
      if (isWebSocketUpgrade(req.headers.upgrade)) writeErrorResponse(socket, 'not_found');
      else writeErrorResponse(socket, 'invalid_request', { message: ONLY_WEBSOCKET });
    },
    destroyAll() {
      for (const socket of openSockets) socket.destroy();
    },
  };
}
