import cluster from 'node:cluster';
import { isPrimaryMessage, type PrimaryAnswers, type PrimaryMessage, type PrimaryRequest, type WorkerMessage } from './messages.js';

/** A worker's end of the IPC channel to the primary. */
export interface WorkerLink {
  /** Asks the primary; rejects when the channel is closed (the primary is gone). */
  ask<R extends PrimaryRequest>(request: R): Promise<PrimaryAnswers[R['op']]>;
  tell(message: WorkerMessage): void;
  /** Messages from the primary other than answers. */
  onMessage(listener: (message: PrimaryMessage) => void): void;
  /** Closes the channel (the worker can then exit). */
  close(): void;
}

/** The primary is gone or the worker is leaving: questions cannot be answered. */
export class PrimaryUnreachableError extends Error {
  override readonly name = 'PrimaryUnreachableError';
}

/** The link of this process, a node:cluster worker (`process.send` exists). */
export function createWorkerLink(): WorkerLink {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners: ((message: PrimaryMessage) => void)[] = [];
  let nextId = 1;

  function send(message: WorkerMessage): boolean {
    if (process.send === undefined || !process.connected) return false;
    process.send(message);
    return true;
  }

  function onMessage(message: unknown): void {
    if (!isPrimaryMessage(message)) return;
    if (message.llmProxy !== 'answer') {
      for (const listener of listeners) listener(message);
      return;
    }
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    waiting?.resolve(message.value);
  }

  function failPending(): void {
    for (const waiting of pending.values()) waiting.reject(new PrimaryUnreachableError('the primary process cannot be reached'));
    pending.clear();
  }

  process.on('message', onMessage);
  process.on('disconnect', failPending);

  return {
    ask(request) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        if (!send({ llmProxy: 'request', id, request })) {
          pending.delete(id);
          reject(new PrimaryUnreachableError('the primary process cannot be reached'));
        }
      });
    },
    tell(message) {
      send(message);
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    close() {
      process.off('message', onMessage);
      failPending();
      // Through node:cluster, so that the worker's exit counts as meant (a bare process.disconnect()
      // makes node:cluster exit the worker with code 0 at once, whatever its exit code).
      if (process.connected) cluster.worker?.disconnect();
    },
  };
}
