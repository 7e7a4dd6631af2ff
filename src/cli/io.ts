/** Where a command writes: stdout for results, stderr for messages and errors. */
export interface Io {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
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

/**
 * How wide `stream`'s output may be: the terminal's width, else $COLUMNS, else unlimited (output
 * read by a program is never cut).
 */
export function outputWidth(stream: Io['stdout'], env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Infinity;
}
