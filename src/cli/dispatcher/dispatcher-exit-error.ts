import type { ExitCode } from '../exit-codes.js';

/** Ends `llm-proxy dispatcher` with an exit code of the reference (2 unreachable, 3 refused); main prints the message. */
export class DispatcherExitError extends Error {
  override readonly name = 'DispatcherExitError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
