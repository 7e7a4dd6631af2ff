import { nodeFlagGiven } from './node-flags.js';

/**
 * The young generation of a `server --workers N` worker: 8 MiB per semi-space instead of V8's
 * 16. Under load the default grows to 2 × 16 MiB and stays resident, though a request's objects
 * fit in far less; capped, a worker's peak RSS is about 13 MiB lower for the same instructions
 * per request. V8 reads this only when the process starts, hence a flag of the fork.
 */
const SEMI_SPACE_FLAG = '--max-semi-space-size';
const WORKER_SEMI_SPACE_MIB = 8;

/** The workers' node flags: the primary's, after the cap, which is left out when node was given a size (flags or NODE_OPTIONS). */
export function workerExecArgv(primaryExecArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS): string[] {
  const given = nodeFlagGiven(SEMI_SPACE_FLAG, primaryExecArgv, nodeOptions);
  return given ? [...primaryExecArgv] : [`${SEMI_SPACE_FLAG}=${WORKER_SEMI_SPACE_MIB}`, ...primaryExecArgv];
}
