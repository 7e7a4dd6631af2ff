import type { ExitCode } from '../exit-codes.js';

/** Ends a chat session with a non-zero exit code; main prints the message as one `Error:` line. */
export class ChatSessionError extends Error {
  override readonly name = 'ChatSessionError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
