/** Events per second over a sliding window, from samples of a running total. */
export interface RateMeter {
  /** Records the total at `atMs`; returns the rate over the window that ends there. */
  sample(total: number, atMs: number): number;
}

export function createRateMeter(windowMs = 5000): RateMeter {
  const samples: { atMs: number; total: number }[] = [];
  return {
    sample(total, atMs) {
      samples.push({ atMs, total });
      while (samples.length > 2 && (samples[1]?.atMs ?? atMs) <= atMs - windowMs) samples.shift();
      const first = samples[0];
      if (first === undefined || atMs <= first.atMs) return 0;
      return ((total - first.total) * 1000) / (atMs - first.atMs);
    },
  };
}
