import { describe, expect, it } from 'vitest';
import { createLineBatch } from '../../src/files/line-batch.js';

function recorder(maxBytes: number, intervalMs = 10) {
  const writes: { text: string; lines: number }[] = [];
  const batch = createLineBatch({ maxBytes, intervalMs, write: (chunk, lines) => void writes.push({ text: chunk.toString(), lines }) });
  return { batch, writes };
}

describe('line batch', () => {
  it('writes the lines of one interval in one write, with their count', async () => {
    const { batch, writes } = recorder(1024);
    batch.add('one');
    batch.add('twö ✓ 😀');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(writes).toEqual([{ text: 'one\ntwö ✓ 😀\n', lines: 2 }]);
    batch.add('three');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(writes).toEqual([
      { text: 'one\ntwö ✓ 😀\n', lines: 2 },
      { text: 'three\n', lines: 1 },
    ]);
  });

  it('writes the batch first when the next line would not fit, and a line longer than the buffer on its own', () => {
    const { batch, writes } = recorder(16);
    batch.add('0123456789'); // 11 bytes
    batch.add('é€'); // 6 bytes: 17 would not fit
    expect(writes).toEqual([{ text: '0123456789\n', lines: 1 }]);
    batch.add('a line of more than sixteen bytes');
    expect(writes).toEqual([
      { text: '0123456789\n', lines: 1 },
      { text: 'é€\n', lines: 1 },
      { text: 'a line of more than sixteen bytes\n', lines: 1 },
    ]);
    batch.flush();
    expect(writes).toHaveLength(3);
  });

  it('hands each write a buffer of its own, which later lines do not overwrite', () => {
    const chunks: Buffer[] = [];
    const batch = createLineBatch({ maxBytes: 64, intervalMs: 10, write: (chunk) => void chunks.push(chunk) });
    batch.add('first');
    batch.flush();
    batch.add('other');
    batch.flush();
    expect(chunks.map((chunk) => chunk.toString())).toEqual(['first\n', 'other\n']);
  });
});
