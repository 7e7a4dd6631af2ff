import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { terminalIo, type TextSink } from '../../support/capture-io.js';
import { makeTempDir } from '../../support/temp-dir.js';

/** Resolves once `sink` holds `text` `times` times (bounded, naming what never came). */
async function waitForPrompt(sink: TextSink, text: string, times = 1): Promise<void> {
  // Generous: the first prompt waits for the command module to load on a busy machine.
  const deadline = Date.now() + 20_000;
  while (sink.text().split(text).length - 1 < times) {
    if (Date.now() > deadline) throw new Error(`"${text}" never arrived; got ${JSON.stringify(sink.text())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('llm-proxy setup --interactive at a terminal', () => {
  it('keeps every answer at its own prompt, hides secrets, lets keys edit, and asks again after a bad answer', async () => {
    const temp = makeTempDir();
    try {
      const { io, stdout, stderr, keyboard } = terminalIo();
      const done = main(['setup', '--interactive'], io);
      /** Types `keys` once `prompt` has been shown for the `times`-th time, as a person would: a key at a time. */
      const answer = async (prompt: string, keys: string | readonly string[], times = 1) => {
        await waitForPrompt(stderr, prompt, times);
        for (const key of typeof keys === 'string' ? [keys] : keys) {
          keyboard.write(key);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      await answer('Configuration file path [.env]: ', `${join(temp.dir, '.env')}\r`);
      // Left arrow, then "c": the key is edited, no escape sequence gets into it.
      await answer('OpenAI API key: ', ['sk-ab', '\x1b[D', 'c', '\r']);
      await answer('Management token (empty generates one): ', 'mt-secret\r');
      await answer('Database path [data/llm-proxy.db]: ', `${join(temp.dir, 'proxy.db')}\r`);
      await answer('Listen address', 'nowhere\r');
      await answer('try again.', '\r');
      await answer('Create a project and a token now? (Y/n) [Y]: ', '\r');
      await answer('Project name [DefaultProject]: ', 'Typed\r');
      await answer('Token lifetime in hours [24]: ', 'abc\r');
      await answer('Token lifetime in hours [24]: ', '2\r', 2);
      expect(await done).toBe(0);

      const written = parse(readFileSync(join(temp.dir, '.env')));
      expect(written).toMatchObject({
        OPENAI_API_KEY: 'sk-acb',
        MANAGEMENT_TOKEN: 'mt-secret',
        DATABASE_PATH: join(temp.dir, 'proxy.db'),
        LISTEN_ADDR: ':8080',
      });
      expect(readdirSync(temp.dir).sort()).toEqual(['.env', 'proxy.db']);
      // Hidden answers are never echoed; visible ones are.
      expect(stderr.text()).not.toContain('sk-a');
      expect(stderr.text()).not.toContain('mt-secret');
      expect(stderr.text()).toContain('"nowhere" is not host:port such as localhost:8080 or :8080: try again.');
      expect(stderr.text()).toContain('expected a positive number of hours: try again.');
      expect(stdout.text()).toContain('Project "Typed" created');
      expect(stdout.text()).toContain('The server will listen on :8080 (all interfaces; as chosen).');
    } finally {
      temp.remove();
    }
  });

  it('asks again for an empty or unsendable key, and Ctrl-C writes nothing', async () => {
    const temp = makeTempDir();
    try {
      const { io, stderr, keyboard } = terminalIo();
      const done = main(['setup', '--interactive'], io);
      await waitForPrompt(stderr, 'Configuration file path [.env]: ');
      keyboard.write(`${join(temp.dir, '.env')}\r`);
      await waitForPrompt(stderr, 'OpenAI API key: ');
      keyboard.write('\r');
      await waitForPrompt(stderr, 'must not be empty: try again.');
      keyboard.write('sk-with space\r');
      await waitForPrompt(stderr, 'contains a character that cannot be sent in an HTTP header (U+0020 at position 8)');
      keyboard.write('\x03');
      expect(await done).toBe(1);
      expect(stderr.text()).toContain('Error: setup canceled (Ctrl-C): nothing was written\n');
      expect(existsSync(join(temp.dir, '.env'))).toBe(false);
    } finally {
      temp.remove();
    }
  });
});
