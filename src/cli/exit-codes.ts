/**
 * Exit codes of every llm-proxy command (the CLI reference's contract). A new code may only
 * replace an exit that already failed.
 */
export const EXIT = {
  /** Success (also: a benchmark that ran, whatever its requests returned). */
  ok: 0,
  /** General error: bad arguments, bad configuration, refused request, anything else. */
  general: 1,
  /** Network error: the API (management API, proxy or benchmark target) could not be reached. */
  network: 2,
  /** Authentication error: the management token or withering token was rejected. */
  auth: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  general error (invalid arguments, configuration error, refused request)
  2  network error (unable to connect to the API)
  3  authentication error (management or withering token rejected)`;
