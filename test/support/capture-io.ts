import { PassThrough, Readable, Writable } from 'node:stream';
import type { Io } from '../../src/cli/io.js';

/** Collects what a command writes; a real Writable, so readline can draw on it. */
export interface TextSink extends Writable {
  readonly text: () => string;
}

function textSink(isTTY: boolean): TextSink {
  const chunks: string[] = [];
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return Object.assign(sink, { isTTY, text: () => chunks.join('') });
}

export interface CapturedIo {
  readonly io: Io;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** stdin piped in from `lines` (one message each); stdout/stderr collected. */
export function pipedIo(lines: readonly string[]): CapturedIo {
  const stdout = textSink(false);
  const stderr = textSink(false);
  return { io: { stdin: Readable.from(lines.map((line) => `${line}\n`)), stdout, stderr }, stdout, stderr };
}

/** A terminal on stdin: type keys into `keyboard` (`\r` Enter, `\x03` Ctrl-C, `\x04` Ctrl-D). */
export function terminalIo(): CapturedIo & { readonly keyboard: PassThrough } {
  const keyboard = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => keyboard });
  const stdout = textSink(true);
  const stderr = textSink(true);
  return { io: { stdin: keyboard, stdout, stderr }, stdout, stderr, keyboard };
}

/** Output kept in memory and read back as strings; stdin empty; stderr is a TTY only if asked. */
export function captureIo(options: { stderrIsTty?: boolean } = {}): { io: Io; stdout(): string; stderr(): string } {
  const stdout = textSink(false);
  const stderr = textSink(options.stderrIsTty ?? false);
  return { io: { stdin: new PassThrough(), stdout, stderr }, stdout: () => stdout.text(), stderr: () => stderr.text() };
}
