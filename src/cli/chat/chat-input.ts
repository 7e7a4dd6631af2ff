import { createInterface } from 'node:readline';
import type { Io } from '../io.js';
import { writeLine } from '../io.js';
import { createMutableEcho } from '../muted-echo.js';

/** What the session reads next: a line, or the end (end of input, or Ctrl-C twice at the prompt). */
export type InputEvent = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'end' };

/** The chat's input: lines typed at a prompt on a terminal, or piped in. */
export interface ChatInput {
  readonly isTerminal: boolean;
  next(): Promise<InputEvent>;
  /** Runs `work`; Ctrl-C meanwhile calls `onInterrupt` instead of ending the session. */
  whileReplying<T>(onInterrupt: () => void, work: () => Promise<T>): Promise<T>;
  close(): void;
}

interface QueuedLine {
  readonly text: string;
  /** Typed while a reply was printed, so not shown yet. */
  readonly wasHidden: boolean;
}

/**
 * On a terminal, what is typed while a reply streams is not echoed into the reply: it waits
 * (a finished line is shown and sent after the reply, a half-typed one is redrawn at the next
 * prompt). Ctrl-C at an empty prompt asks for a second Ctrl-C before it ends the session.
 */
export function createChatInput(io: Io, prompt: string): ChatInput {
  const isTerminal = io.stdin.isTTY === true;
  const echo = createMutableEcho(io.stderr);
  const rl = createInterface({ input: io.stdin, output: isTerminal ? echo.output : undefined, terminal: isTerminal, prompt });
  // Lines are queued as they come, so piped lines read ahead of the replies are not lost.
  const lines: QueuedLine[] = [];
  let hasInputEnded = false;
  let isInterrupted = false;
  let isReplying = false;
  let isQuitArmed = false;
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
    if (isTerminal && !isQuitArmed) {
      // A single stray Ctrl-C must not throw the conversation away.
      isQuitArmed = true;
      writeLine(io.stderr);
      writeLine(io.stderr, '(press Ctrl-C again to end the session, or type exit)');
      rl.prompt();
      return;
    }
    isInterrupted = true;
    notify();
  };
  rl.on('line', (text: string) => {
    isQuitArmed = false;
    lines.push({ text, wasHidden: isReplying });
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
      // Redraws the prompt with anything typed during the reply.
      if (isTerminal && lines.length === 0 && !hasInputEnded) rl.prompt(true);
      for (;;) {
        if (isInterrupted) return { kind: 'end' };
        const line = lines.shift();
        if (line !== undefined) {
          if (line.wasHidden) writeLine(io.stderr, `${prompt}${line.text}`);
          return { kind: 'line', text: line.text };
        }
        if (hasInputEnded) return { kind: 'end' };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async whileReplying(onInterrupt, work) {
      onReplyInterrupt = onInterrupt;
      isReplying = true;
      isQuitArmed = false;
      echo.mute(true);
      try {
        return await work();
      } finally {
        echo.mute(false);
        isReplying = false;
        onReplyInterrupt = undefined;
      }
    },
    close() {
      process.off('SIGINT', interrupt);
      rl.close();
    },
  };
}
