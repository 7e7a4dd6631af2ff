import { createInterface } from 'node:readline';
import type { Io } from './io.js';

/** Asks questions on stderr and reads answers line by line from stdin (a terminal or a pipe). */
export interface Prompter {
  /** The answer, or `fallback` when the answer is empty. */
  ask(question: string, fallback?: string): Promise<string>;
  /** Like ask, without echoing what is typed when stdin is a terminal. */
  askSecret(question: string): Promise<string>;
  close(): void;
}

export function createPrompter(io: Io): Prompter {
  const rl = createInterface({ input: io.stdin, terminal: false });
  // Lines are buffered by the iterator, so answers piped in ahead of their questions are not lost.
  const lines = rl[Symbol.asyncIterator]();

  async function nextLine(): Promise<string> {
    const { value, done } = await lines.next();
    if (done) throw new Error('input ended before setup was complete');
    return String(value).trim();
  }

  return {
    async ask(question, fallback) {
      io.stderr.write(fallback ? `${question} [${fallback}]: ` : `${question}: `);
      const answer = await nextLine();
      return answer === '' ? (fallback ?? '') : answer;
    },
    async askSecret(question) {
      io.stderr.write(`${question}: `);
      const hide = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
      if (!hide) return nextLine();
      // Terminal: read keystrokes in raw mode so the secret is not echoed.
      rl.pause();
      io.stdin.setRawMode?.(true);
      io.stdin.resume();
      const answer = await new Promise<string>((resolve) => {
        let typed = '';
        const onData = (data: Buffer) => {
          for (const char of data.toString('utf8')) {
            if (char === '\r' || char === '\n' || char === '\u0004') {
              io.stdin.off('data', onData);
              resolve(typed);
              return;
            }
            if (char === '\u0003') process.kill(process.pid, 'SIGINT');
            else if (char === '\u007f') typed = typed.slice(0, -1);
            else typed += char;
          }
        };
        io.stdin.on('data', onData);
      });
      io.stdin.setRawMode?.(false);
      rl.resume();
      io.stderr.write('\n');
      return answer.trim();
    },
    close: () => rl.close(),
  };
}
