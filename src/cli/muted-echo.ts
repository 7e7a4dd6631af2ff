import { Writable } from 'node:stream';
import type { Io } from './io.js';

/** What readline draws on (its echo of typed keys), with a switch to hide it. */
export interface MutableEcho {
  readonly output: Writable;
  mute(isMuted: boolean): void;
}

/** Forwards readline's drawing to `stream` unless muted; readline reads the terminal's width from it. */
export function createMutableEcho(stream: Io['stderr']): MutableEcho {
  let isMuted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!isMuted) stream.write(chunk.toString('utf8'));
      done();
    },
  });
  Object.defineProperty(output, 'columns', { get: () => stream.columns ?? 80 });
  return { output, mute: (value) => (isMuted = value) };
}
