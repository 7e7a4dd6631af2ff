import { CommanderError } from 'commander';
import { TargetUnreachableError, TokenRejectedError } from '../benchmark/index.js';
import { isProxyError } from '../errors.js';
import type { ManageApiError, ManageUnreachableError } from '../manage-client/index.js';
import { ChatSessionError } from './chat/chat-session-error.js';
import { DispatcherExitError } from './dispatcher/dispatcher-exit-error.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { cliCommand } from './invocation.js';
import { inFlagTerms, nextStepFor } from './manage/flag-names.js';

/**
 * Errors of modules that --help and most commands never load (the store, the proxy) are told apart
 * by name, so that importing this module stays cheap.
 */
function isNamed<T extends Error>(error: unknown, name: T['name']): error is T {
  return error instanceof Error && error.name === name;
}

export interface ReportedError {
  readonly exitCode: ExitCode;
  /** What to print on stderr (already prefixed with `Error: `), or empty when nothing is left to say. */
  readonly message: string;
}

/** Classifies an error that ended a command; main.ts is the only place that prints it. */
export function reportError(error: unknown): ReportedError {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or help) already.
    const helpOrVersion = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return { exitCode: helpOrVersion ? EXIT.ok : EXIT.general, message: '' };
  }
  if (isNamed<ManageUnreachableError>(error, 'ManageUnreachableError')) {
    return {
      exitCode: EXIT.network,
      message: `Error: ${error.message}: is the server (\`${cliCommand()} server\`) running there? Point elsewhere with --manage-api-base-url.`,
    };
  }
  if (isNamed<ManageApiError>(error, 'ManageApiError')) {
    if (error.status === 401) {
      return {
        exitCode: EXIT.auth,
        message: `Error: the management token was rejected (HTTP 401): pass the server's MANAGEMENT_TOKEN with --management-token or the MANAGEMENT_TOKEN variable.`,
      };
    }
    const status = `HTTP ${error.status}${error.code ? `, ${error.code}` : ''}`;
    return { exitCode: EXIT.general, message: `Error: ${inFlagTerms(error.message)} (${status}).${nextStepFor(error.code)}` };
  }
  if (error instanceof ChatSessionError) return { exitCode: error.exitCode, message: `Error: ${error.message}` };
  if (error instanceof DispatcherExitError) return { exitCode: error.exitCode, message: `Error: ${error.message}` };
  if (error instanceof TargetUnreachableError) return { exitCode: EXIT.network, message: `Error: ${error.message}` };
  if (error instanceof TokenRejectedError) return { exitCode: EXIT.auth, message: `Error: ${error.message}` };
  if (isProxyError(error)) return { exitCode: error.exitCode, message: `Error: ${error.message}` };
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.general, message: `Error: ${message}` };
}
