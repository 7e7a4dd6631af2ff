import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { replayBody } from '../../src/cache/replay.js';

const chunks = ['data: 1\n\n', 'data: 2\n\n', 'data: [DONE]\n\n'].map((text) => Buffer.from(text));

async function collect(mode: 'paced' | 'fast', gapsMs: number[]): Promise<string[]> {
  const out = new PassThrough();
  const seen: string[] = [];
  out.on('data', (chunk: Buffer) => seen.push(chunk.toString()));
  const ended = new Promise((resolve) => out.on('end', resolve));
  await replayBody(out, chunks, gapsMs, { mode, maxGapMs: 5 });
  await ended;
  return seen;
}

describe('replayBody', () => {
  it.each(['paced', 'fast'] as const)('writes the same chunks in order (%s)', async (mode) => {
    expect((await collect(mode, [0, 10_000, 3])).join('')).toBe(chunks.join(''));
  });

  it('paces event by event, each gap capped', async () => {
    expect(await collect('paced', [0, 60_000, 60_000])).toEqual(chunks.map(String));
  });

  it('stops when the client is gone', async () => {
    const written: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        out.destroy();
        done();
      },
    });
    await replayBody(out, chunks, [0, 1, 1], { mode: 'paced', maxGapMs: 5 });
    expect(written).toEqual([chunks[0]!.toString()]);
  });

  it('waits for drain under backpressure', async () => {
    const written: string[] = [];
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        setImmediate(done);
      },
    });
    const finished = new Promise((resolve) => out.on('finish', resolve));
    await replayBody(out, chunks, [0, 0, 0], { mode: 'paced', maxGapMs: 5 });
    await finished;
    expect(written.join('')).toBe(chunks.join(''));
  });
});
