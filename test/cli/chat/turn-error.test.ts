import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { describeTurnError, type TurnFailure } from '../../../src/cli/chat/turn-error.js';
import { cliCommand } from '../../../src/cli/invocation.js';

const CLI_COMMAND = cliCommand();

const PROXY = 'http://127.0.0.1:8080';

/** The error the openai client throws for a response with this status and JSON body. */
function answered(status: number, body: unknown): APIError {
  const error = (body as { error?: object } | undefined)?.error;
  return APIError.generate(status, { error }, undefined, new Headers());
}

/** The error the openai client throws for a body that is not JSON (the text becomes the message). */
function answeredText(status: number, text: string): APIError {
  return APIError.generate(status, undefined, text, new Headers());
}

function refusedConnection(code: string): APIConnectionError {
  const socketError = Object.assign(new Error(`connect ${code} 127.0.0.1:8080`), { code });
  return new APIConnectionError({ message: 'Connection error.', cause: new TypeError('fetch failed', { cause: socketError }) });
}

const cases: [string, unknown, TurnFailure][] = [
  [
    'the proxy refusing an expired token',
    answered(401, { error: { message: 'Token has expired', type: 'authentication_error', code: 'token_expired' } }),
    { message: `the token has expired: ask for a new one (${CLI_COMMAND} manage token generate --project-id <project-id>)`, fatalExitCode: 3 },
  ],
  [
    "the upstream API rejecting the project's key",
    answered(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }),
    {
      message:
        `the upstream API rejected the project's API key (HTTP 401, invalid_api_key): Incorrect API key provided: its owner must replace it (${CLI_COMMAND} manage project update <project-id> --openai-key …)`,
      fatalExitCode: 3,
    },
  ],
  [
    "the proxy's request cap",
    answered(429, { error: { message: 'Token has used all…', type: 'insufficient_quota', code: 'token_quota_exhausted' } }),
    {
      message:
        `the token has used all of its allowed requests: ask for a new one or a higher limit (${CLI_COMMAND} manage token generate --project-id <project-id> --max-requests <n>)`,
    },
  ],
  [
    "OpenAI's own rate limit, same code, other type",
    answered(429, { error: { message: 'Rate limit reached for gpt-4', type: 'requests', code: 'rate_limit_exceeded' } }),
    { message: 'the upstream API refused the message (HTTP 429, rate_limit_exceeded): Rate limit reached for gpt-4' },
  ],
  [
    'the proxy unable to reach the upstream',
    answered(502, { error: { message: 'Could not reach the upstream API', type: 'upstream_error', code: 'upstream_unreachable' } }),
    { message: 'the proxy could not get a reply (HTTP 502, upstream_unreachable): Could not reach the upstream API' },
  ],
  [
    'a policy refusal of the proxy',
    answered(400, { error: { message: 'model gpt-5 is not allowed', type: 'invalid_request_error', code: 'param_not_allowed' } }),
    { message: 'the proxy refused the message (HTTP 400, param_not_allowed): model gpt-5 is not allowed' },
  ],
  [
    'a page that is not JSON, on one bounded line',
    answeredText(503, `<html>\n<body>${'x'.repeat(400)}</body>\n</html>`),
    { message: `the upstream API failed (HTTP 503): <html> <body>${'x'.repeat(287)}…` },
  ],
  [
    'a closed port',
    refusedConnection('ECONNREFUSED'),
    {
      message: `cannot reach the proxy at ${PROXY} (connection refused): is \`llm-proxy server\` running? Point elsewhere with --base-url.`,
      fatalExitCode: 2,
    },
  ],
  [
    'an unknown host',
    refusedConnection('ENOTFOUND'),
    {
      message: `cannot reach the proxy at ${PROXY} (host not found): is \`llm-proxy server\` running? Point elsewhere with --base-url.`,
      fatalExitCode: 2,
    },
  ],
  ['a request that timed out', new APIConnectionTimeoutError(), { message: `the proxy at ${PROXY} did not answer in time` }],
  ['a stream cut off', new TypeError('terminated'), { message: 'the reply failed (terminated)' }],
];

describe('describeTurnError', () => {
  it.each(cases)('%s', (_name, error, expected) => {
    expect(describeTurnError(error, PROXY)).toEqual(expected);
  });
});
