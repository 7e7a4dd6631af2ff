/**
 * One phase of the overhead bench: a load driver (wrk, or the built-in engine) run against every
 * target in rounds that alternate between the targets, with the CPU time of each target's process
 * read around every throughput run.
 */
import { emptySamples, type PhaseResult, type PhaseSamples, type Samples } from './samples.js';
import { cpuMicros, type Target } from './targets.js';

/** The request every phase sends: a small chat completion. */
export const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] });

/** The token of a target for a round: targets with several tokens use them in turn. */
export const tokenFor = (target: Target, round: number): string => target.tokens[round % target.tokens.length] as string;

/** What one load run saw. */
export interface LoadOutcome {
  /** Responses received, whatever their status. */
  readonly answered: number;
  /** Of which with a 2xx status. */
  readonly ok: number;
  /** Requests left without a complete response (connect, read or write errors, timeouts). */
  readonly broken: number;
  readonly requestsPerSecond: number;
}

/** A run at one connection; latencies in ms, NaN when not measured. */
export interface LatencyOutcome extends LoadOutcome {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstByteMs: number;
}

export interface LoadDriver {
  /** Names the phase in progress lines and in the report. */
  readonly name: string;
  warmUp(target: Target): Promise<void>;
  /** Many connections, for throughput and CPU per request; `round` picks the token when the target has several. */
  throughput(target: Target, round: number): Promise<LoadOutcome>;
  /** One connection, for latency. */
  latency(target: Target): Promise<LatencyOutcome>;
}

export interface PhaseRounds {
  readonly throughput: number;
  readonly latency: number;
}

/** Requests that did not end as the target's role expects: bogus tokens must be refused, others answered 2xx. */
function unexpected(target: Target, outcome: LoadOutcome): number {
  const wrongStatus = target.role === 'bogus' ? outcome.ok : outcome.answered - outcome.ok;
  return wrongStatus + outcome.broken;
}

/** Targets whose CPU and throughput are reported against the floor's (llm-proxy variants and cache hits; bogus tokens are compared with valid ones). */
const comparedWithFloor = (target: Target): boolean => target.role === 'proxy' || target.role === 'cached';

/** One throughput run: CPU per request of the target's process (NaN without one), request rate, and requests that ended wrong. */
async function measure(driver: LoadDriver, target: Target, round: number): Promise<{ cpu: number; rps: number; unexpected: number }> {
  const cpuBefore = target.pid === undefined ? 0 : cpuMicros(target.pid);
  const outcome = await driver.throughput(target, round);
  const cpu = target.pid === undefined ? Number.NaN : (cpuMicros(target.pid) - cpuBefore) / (outcome.answered + outcome.broken);
  return { cpu, rps: outcome.requestsPerSecond, unexpected: unexpected(target, outcome) };
}

function samplesOf(samples: PhaseSamples, target: Target): Samples {
  const found = samples.get(target.name);
  if (!found) throw new Error(`no samples for ${target.name}`);
  return found;
}

export async function runPhase(driver: LoadDriver, targets: readonly Target[], rounds: PhaseRounds, progress: (line: string) => void): Promise<PhaseResult> {
  const samples = new Map(targets.map((target) => [target.name, emptySamples()]));
  progress(`${driver.name}: warm-up`);
  for (const target of targets) await driver.warmUp(target);

  const floor = targets.find((target) => target.role === 'floor');
  for (let round = 0; round < rounds.throughput; round++) {
    progress(`${driver.name}: throughput round ${round + 1}/${rounds.throughput}`);
    let lastFloor: Awaited<ReturnType<typeof measure>> | undefined;
    let previous: Target | undefined;
    for (const target of targets) {
      // A target compared with the floor follows a floor run: measure the floor again unless it just ran.
      if (floor !== undefined && comparedWithFloor(target) && previous !== floor) {
        lastFloor = await measure(driver, floor, round);
        samplesOf(samples, floor).errors += lastFloor.unexpected;
      }
      const outcome = await measure(driver, target, round);
      const recorded = samplesOf(samples, target);
      recorded.cpuMicrosPerRequest.push(outcome.cpu);
      recorded.requestsPerSecond.push(outcome.rps);
      recorded.errors += outcome.unexpected;
      if (target === floor) lastFloor = outcome;
      if (comparedWithFloor(target) && lastFloor !== undefined) {
        recorded.floorCpuMicrosPerRequest.push(lastFloor.cpu);
        recorded.floorRequestsPerSecond.push(lastFloor.rps);
      }
      previous = target;
    }
  }

  // Latency is measured on answered requests only: bogus tokens have none.
  const answered = targets.filter((target) => target.role !== 'bogus');
  for (let round = 0; round < rounds.latency; round++) {
    progress(`${driver.name}: latency round ${round + 1}/${rounds.latency}`);
    for (const target of answered) {
      const recorded = samplesOf(samples, target);
      const outcome = await driver.latency(target);
      recorded.p50Ms.push(outcome.p50Ms);
      recorded.p99Ms.push(outcome.p99Ms);
      if (!Number.isNaN(outcome.firstByteMs)) recorded.firstByteMs.push(outcome.firstByteMs);
      recorded.errors += unexpected(target, outcome);
    }
  }
  return { driver: driver.name, samples };
}
