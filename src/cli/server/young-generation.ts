import { nodeFlagGiven } from './node-flags.js';

/**
 * The young generation of a server process: 4 MiB per semi-space instead of V8's 16. Under load
 * the default grows to 2 × 16 MiB and stays resident, though the objects of the requests in
 * flight fit in far less. Capped at 4, a single server's peak RSS under 64 connections was about
 * 110 MiB instead of 135–140, and its CPU per request 6–7 % lower (scavenges that stay in the
 * cache); at 2 scavenges promote too much and CPU rises. V8 reads this only when a process
 * starts: the `llm-proxy` launcher (the first lines of src/cli/bin.ts) passes it to node, and
 * `server --workers N` to the workers it forks.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size';
export const SEMI_SPACE_MIB = 4;

/** The workers' node flags: the primary's, after the cap, which is left out when node was given a size (flags or NODE_OPTIONS). */
export function workerExecArgv(primaryExecArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS): string[] {
  const given = nodeFlagGiven(SEMI_SPACE_FLAG, primaryExecArgv, nodeOptions);
  return given ? [...primaryExecArgv] : [`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MIB}`, ...primaryExecArgv];
}
