/**
 * What a rewrite of the stored keys did, row by row, keyed by project id: a write retried after a
 * lock conflict sees every row again, and must not count it twice.
 */
export interface OutcomeTally<O extends string> {
  record(projectId: string, outcome: O): void;
  count(outcome: O): number;
}

export function createOutcomeTally<O extends string>(): OutcomeTally<O> {
  const outcomes = new Map<string, O>();
  return {
    record: (projectId, outcome) => void outcomes.set(projectId, outcome),
    count: (outcome) => [...outcomes.values()].filter((value) => value === outcome).length,
  };
}
