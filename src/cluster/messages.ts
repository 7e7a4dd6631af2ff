import type { AdminSession } from '../admin/index.js';
import type { AdmissionVerdict, Invalidation, RateLimit } from '../coordination/index.js';

/**
 * What the primary of `server --workers N` and its workers say to each other over node:cluster's
 * IPC channel. Every message carries `llmProxy` so that nothing else on the channel is mistaken
 * for one of ours.
 */

/** A question a worker asks the primary, which holds the state the workers share. */
export type PrimaryRequest =
  | { readonly op: 'admit'; readonly rateLimits: readonly RateLimit[] }
  | { readonly op: 'session-create' }
  | { readonly op: 'session-get'; readonly id: string }
  | { readonly op: 'session-delete'; readonly id: string };

/** The answer's type for each request. */
export interface PrimaryAnswers {
  readonly admit: AdmissionVerdict;
  readonly 'session-create': AdminSession;
  readonly 'session-get': AdminSession | null;
  readonly 'session-delete': null;
}

export type WorkerMessage =
  /** The worker listens: the URL the server answers on. */
  | { readonly llmProxy: 'listening'; readonly url: string }
  | { readonly llmProxy: 'request'; readonly id: number; readonly request: PrimaryRequest }
  /** A change made through this worker's management API: the primary tells the other workers. */
  | { readonly llmProxy: 'announce'; readonly invalidation: Invalidation }
  /** Stopping, this worker had to cut connections still in flight. */
  | { readonly llmProxy: 'cut' };

export type PrimaryMessage =
  | { readonly llmProxy: 'answer'; readonly id: number; readonly value: unknown }
  | { readonly llmProxy: 'invalidate'; readonly invalidation: Invalidation }
  /** Drain and exit (`force`: cut what is still in flight now). */
  | { readonly llmProxy: 'stop'; readonly force: boolean }
  /** SIGHUP reached the primary: reopen FILE_EVENT_LOG and AUDIT_LOG_FILE. */
  | { readonly llmProxy: 'reopen-log' };

function isOurs(message: unknown): boolean {
  return typeof message === 'object' && message !== null && typeof (message as { llmProxy?: unknown }).llmProxy === 'string';
}

export const isWorkerMessage = (message: unknown): message is WorkerMessage => isOurs(message);
export const isPrimaryMessage = (message: unknown): message is PrimaryMessage => isOurs(message);
