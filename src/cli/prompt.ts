import { createInterface } from 'node:readline';
import { UsageError, type Io } from './io.js';
import { createMutableEcho } from './muted-echo.js';

/** Says what is wrong with an answer, or undefined when it is fine. */
export type AnswerCheck = (answer: string) => string | undefined;

/** Asks questions on stderr and reads answers line by line from stdin (a terminal or a pipe). */
export interface Prompter {
  /** The answer (or `fallback` when it is empty), asked again until `check` accepts it. */
  ask(question: string, options?: { fallback?: string; check?: AnswerCheck }): Promise<string>;
  /** Like ask, without echoing what is typed on a terminal; no fallback: empty stays empty. */
  askSecret(question: string, check?: AnswerCheck): Promise<string>;
  close(): void;
}

/**
 * One readline interface reads every answer, hidden or not, so nothing typed at one prompt can
 * reach another; on a terminal it also handles editing keys (arrows, backspace) itself, so they
 * never end up inside an answer. Hidden answers are read with the echo muted. `task` names the
 * command in the errors of an interrupted prompt.
 */
export function createPrompter(io: Io, task = 'setup'): Prompter {
  const isTerminal = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  const echo = createMutableEcho(io.stderr);
  const rl = createInterface({ input: io.stdin, output: isTerminal ? echo.output : undefined, terminal: isTerminal, historySize: 0 });

  // Lines are queued as they come, so answers piped in ahead of their questions are not lost.
  const lines: string[] = [];
  let hasEnded = false;
  let isCanceled = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  rl.on('line', (line: string) => {
    lines.push(line);
    notify();
  });
  rl.on('close', () => {
    hasEnded = true;
    notify();
  });
  rl.on('SIGINT', () => {
    isCanceled = true;
    notify();
  });

  async function nextLine(): Promise<string> {
    for (;;) {
      if (isCanceled) throw new UsageError(`${task} canceled (Ctrl-C): nothing was written`);
      const line = lines.shift();
      if (line !== undefined) return line.trim();
      if (hasEnded) throw new UsageError(`input ended before ${task} was complete: nothing was written`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }

  async function read(question: string, isHidden: boolean): Promise<string> {
    if (!isTerminal) {
      io.stderr.write(question);
      return nextLine();
    }
    rl.setPrompt(question);
    rl.prompt();
    echo.mute(isHidden);
    try {
      return await nextLine();
    } finally {
      if (isHidden) {
        echo.mute(false);
        io.stderr.write('\n');
      }
    }
  }

  async function readChecked(question: string, isHidden: boolean, fallback: string | undefined, check: AnswerCheck | undefined) {
    for (;;) {
      const typed = await read(question, isHidden);
      const answer = typed === '' ? (fallback ?? '') : typed;
      const problem = check?.(answer);
      if (problem === undefined) return answer;
      // Piped answers are not read by a person: asking again would take the next question's answer.
      if (!isTerminal) throw new UsageError(`${question.replace(/:\s*$/, '')}: ${problem}`);
      io.stderr.write(`  ${problem}: try again.\n`);
    }
  }

  return {
    ask: (question, options = {}) =>
      readChecked(options.fallback ? `${question} [${options.fallback}]: ` : `${question}: `, false, options.fallback, options.check),
    askSecret: (question, check) => readChecked(`${question}: `, true, undefined, check),
    close: () => rl.close(),
  };
}
