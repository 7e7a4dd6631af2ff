/** Where a command writes: stdout for results, stderr for messages and errors. */
export interface Io {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/** A mistake in how a command was called: reported as one line, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function writeLine(stream: Io['stdout'], text = ''): void {
  stream.write(text + '\n');
}

export function writeJson(io: Io, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
