import { createInterface } from 'node:readline';
import type { Io } from '../io.js';

/** What the session reads next: a line, or the end (exit by end of input or Ctrl-C at the prompt). */
export type InputEvent = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'end' };

/** The chat's input: lines typed at a `> ` prompt on a terminal, or piped in. */
export interface ChatInput {
  readonly isTerminal: boolean;
  next(): Promise<InputEvent>;
  /** Runs `work`; Ctrl-C meanwhile calls `onInterrupt` instead of ending the session. */
  whileReplying<T>(onInterrupt: () => void, work: () => Promise<T>): Promise<T>;
  close(): void;
}

/** Readline echoes and edits on a terminal only when it has a stream to draw on. */
function drawableStream(stream: Io['stderr']): NodeJS.WritableStream | undefined {
  return typeof (stream as Partial<NodeJS.WritableStream>).on === 'function' ? (stream as NodeJS.WritableStream) : undefined;
}

export function createChatInput(io: Io, prompt: string): ChatInput {
  const isTerminal = io.stdin.isTTY === true;
  const rl = createInterface({
    input: io.stdin,
    output: isTerminal ? drawableStream(io.stderr) : undefined,
    terminal: isTerminal,
    prompt,
  });
  // Lines are queued as they come, so piped lines read ahead of the replies are not lost.
  const lines: string[] = [];
  let hasInputEnded = false;
  let isInterrupted = false;
  let wake: (() => void) | undefined;
  let onReplyInterrupt: (() => void) | undefined;

  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const interrupt = () => {
    if (onReplyInterrupt) return onReplyInterrupt();
    if (isTerminal && rl.line !== '') {
      // Ctrl-C on a half-typed line discards the line, as shells do.
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      return;
    }
    isInterrupted = true;
    notify();
  };
  rl.on('line', (text: string) => {
    lines.push(text);
    notify();
  });
  rl.on('close', () => {
    hasInputEnded = true;
    notify();
  });
  // On a terminal readline reads Ctrl-C as a key; with piped input it arrives as a signal.
  rl.on('SIGINT', interrupt);
  process.on('SIGINT', interrupt);

  return {
    isTerminal,
    async next() {
      if (isTerminal && lines.length === 0 && !hasInputEnded) rl.prompt();
      for (;;) {
        if (isInterrupted) return { kind: 'end' };
        const text = lines.shift();
        if (text !== undefined) return { kind: 'line', text };
        if (hasInputEnded) return { kind: 'end' };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async whileReplying(onInterrupt, work) {
      onReplyInterrupt = onInterrupt;
      try {
        return await work();
      } finally {
        onReplyInterrupt = undefined;
      }
    },
    close() {
      process.off('SIGINT', interrupt);
      rl.close();
    },
  };
}
