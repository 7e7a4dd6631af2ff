import { PassThrough } from 'node:stream';
import type { Io } from '../../src/cli/io.js';

export interface CapturedIo {
  readonly io: Io;
  stdout(): string;
  stderr(): string;
}

/** An Io whose output is kept in memory; neither stream is a TTY unless asked. */
export function captureIo(options: { stderrIsTty?: boolean } = {}): CapturedIo {
  let out = '';
  let err = '';
  const io: Io = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: options.stderrIsTty ?? false },
    stdin: new PassThrough(),
  };
  return { io, stdout: () => out, stderr: () => err };
}
