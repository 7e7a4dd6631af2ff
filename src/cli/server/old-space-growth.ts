import { setFlagsFromString } from 'node:v8';
import { nodeFlagGiven } from './node-flags.js';

/**
 * How far V8 lets the old generation grow past what its last full GC kept, in percent. Its own
 * factor reaches 4× when full GCs look cheap, and under steady load the old generation fills with
 * garbage (request objects promoted because they were in flight at two scavenges) up to that
 * limit: 60 s of wrk took the server's peak RSS from 122 MiB (10 s) to 147 MiB. With 20 % a full
 * GC comes about every 10 s at 5,000 requests/s, ~10 ms of a core each, and the peak stays at
 * about 130 MiB.
 */
const OLD_SPACE_GROWTH_PERCENT = 20;
const FLAG = '--heap-growing-percent';

/**
 * Bounds the old generation's growth between full GCs, unless node was given its own value (flags
 * or NODE_OPTIONS). V8 reads this flag at every full GC, so it takes effect when set after the start.
 */
export function boundOldSpaceGrowth(
  execArgv: readonly string[],
  setFlags: (flags: string) => void = setFlagsFromString,
  nodeOptions = process.env.NODE_OPTIONS,
): void {
  if (!nodeFlagGiven(FLAG, execArgv, nodeOptions)) setFlags(`${FLAG}=${OLD_SPACE_GROWTH_PERCENT}`);
}
