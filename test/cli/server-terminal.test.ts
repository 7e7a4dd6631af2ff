import { describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { makeTempDir } from '../support/temp-dir.js';
import { hasTmux, startTmux } from '../support/tmux.js';

describe.skipIf(!hasTmux)('llm-proxy server at a real terminal (tmux)', () => {
  it('puts the ^C the terminal echoes on a line of its own, and names what works from here', async () => {
    const temp = makeTempDir();
    const terminal = startTmux(`env -i PATH="${process.env.PATH ?? ''}" TERM=xterm "${process.execPath}" "${CLI}" server --addr 127.0.0.1:0; echo "EXIT=$?"; sleep 60`, temp.dir);
    try {
      await terminal.waitFor('Press Ctrl+C to stop');
      expect(terminal.screen()).toMatch(/ {2}npx llm-proxy manage project create --manage-api-base-url http:\/\/127\.0\.0\.1:\d+ --name "My Project"/);
      terminal.send('C-c');
      const screen = await terminal.waitFor('EXIT=');
      expect(screen).toMatch(/^\^C\nSIGINT: finishing in-flight requests/m);
      expect(screen).toContain('llm-proxy stopped\nEXIT=0');
    } finally {
      terminal.close();
      temp.remove();
    }
  });
});
