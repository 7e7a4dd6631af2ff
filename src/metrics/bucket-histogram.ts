/**
 * A histogram of the data path kept in plain numbers (prom-client's costs about 300 ns per
 * observation in label handling, more than everything else a call's metrics take), written in the
 * Prometheus text format when scraped.
 */

/** The observations of one series: a count per bucket (not cumulative; the last is above every bound), sum and count. */
export class BucketCounts {
  readonly perBucket: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.perBucket = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const { bounds } = this;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index += 1;
    this.perBucket[index] = (this.perBucket[index] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A series of a histogram: its label pairs, already written (`route="/v1/chat/completions"`). */
export interface HistogramSeries {
  readonly labels: string;
  readonly counts: BucketCounts;
}

/** A label value in the text format: backslash, double quote and line feed escaped. */
export function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The text exposition of one histogram (HELP, TYPE, then per series the cumulative buckets, sum and count). */
export function histogramText(name: string, help: string, bounds: readonly number[], series: Iterable<HistogramSeries>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  const les = [...bounds.map(String), '+Inf'];
  for (const { labels, counts } of series) {
    let cumulative = 0;
    counts.perBucket.forEach((inBucket, index) => {
      cumulative += inBucket;
      lines.push(`${name}_bucket{${labels},le="${les[index] as string}"} ${cumulative}`);
    });
    lines.push(`${name}_sum{${labels}} ${counts.sum}`, `${name}_count{${labels}} ${counts.count}`);
  }
  return lines.join('\n') + '\n';
}
