import { describe, expect, it } from 'vitest';
import { createInjectedUsageStripper } from '../../src/usage/index.js';

function openAiStream(includeUsage: boolean): string {
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', system_fingerprint: 'fp' };
  const usageNull = includeUsage ? { usage: null } : {};
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hé "usage":null' }, finish_reason: null }], ...usageNull },
    { ...base, choices: [{ index: 0, delta: { content: ' there' }, finish_reason: null }], ...usageNull, obfuscation: 'abc' },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...usageNull },
    ...(includeUsage ? [{ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }] : []),
  ];
  return `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
}

/** Feeds `input` to the stripper in pieces of `size` bytes and returns what comes out. */
async function strip(input: string, size: number): Promise<string> {
  const stripper = createInjectedUsageStripper();
  const out: Buffer[] = [];
  stripper.on('data', (chunk: Buffer) => out.push(chunk));
  const bytes = Buffer.from(input);
  for (let at = 0; at < bytes.length; at += size) stripper.write(bytes.subarray(at, at + size));
  await new Promise<void>((resolve) => stripper.end(resolve));
  return Buffer.concat(out).toString();
}

describe('injected usage stripper', () => {
  it('turns a stream with include_usage into the bytes of the same stream without it, however it is split', async () => {
    const withUsage = openAiStream(true);
    const without = openAiStream(false);
    for (const size of [1, 2, 7, 64, 100_000]) expect(await strip(withUsage, size)).toBe(without);
  });

  it('leaves a stream without usage fields untouched, including an unterminated last event', async () => {
    const plain = `${openAiStream(false)}data: {"partial":true}`;
    expect(await strip(plain, 5)).toBe(plain);
  });

  it('keeps CRLF-delimited events whole', async () => {
    const crlf = 'data: {"choices":[{"delta":{"content":"a"}}],"usage":null}\r\n\r\ndata: {"choices":[],"usage":{"prompt_tokens":1,"total_tokens":1}}\r\n\r\ndata: [DONE]\r\n\r\n';
    expect(await strip(crlf, 3)).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\r\n\r\ndata: [DONE]\r\n\r\n');
  });
});
