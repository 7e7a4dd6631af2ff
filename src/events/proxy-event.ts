/** What the proxy records about every call on /v1/*, published after the response ends. */
export interface ProxyEvent {
  readonly request_id: string;
  readonly method: string;
  readonly path: string;
  /** HTTP status sent to the client; 0 when the client went away before any status was sent. */
  readonly status: number;
  readonly started_at: string;
  readonly duration_ms: number;
  /** Time from sending the upstream request to its response headers; null when not sent upstream. */
  readonly upstream_ms: number | null;
  readonly project_id: string | null;
  readonly token_id: string | null;
  /** Error code when the proxy itself refused or failed the call. */
  readonly error_code: string | null;
  /** True when the client disconnected before the response was complete. */
  readonly aborted: boolean;
  /** WebSocket upgrades: bytes relayed from the client to the upstream after the request head. */
  readonly bytes_in?: number;
  /** WebSocket upgrades: bytes relayed from the upstream to the client after the response head. */
  readonly bytes_out?: number;
}
