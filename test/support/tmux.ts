import { execFileSync, spawnSync } from 'node:child_process';

/** Whether tmux can be run here (terminal tests need a real pseudo-terminal). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export interface TmuxSession {
  /** Presses keys as tmux names them (`C-c`, `Enter`) or types text. */
  send(...keys: string[]): void;
  /** The visible screen, lines joined by newlines. */
  screen(): string;
  /** Resolves once the screen holds `text` (bounded). */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  close(): void;
}

/** Runs `command` in a detached tmux session on its own server socket, in a 100×30 terminal. */
export function startTmux(command: string, cwd: string): TmuxSession {
  const socket = `llm-proxy-test-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { cwd, encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'test', '-x', '100', '-y', '30', command);
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'test');
  return {
    send: (...keys) => void tmux('send-keys', '-t', 'test', ...keys),
    screen,
    async waitFor(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const shown = screen();
        if (shown.includes(text)) return shown;
        if (Date.now() > deadline) throw new Error(`"${text}" never appeared; screen:\n${shown}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  };
}
