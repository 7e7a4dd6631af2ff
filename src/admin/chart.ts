import { html, type SafeHtml } from './html.js';

/** A bucket of the usage ledger as /manage/usage returns it (the fields the charts draw). */
export interface ChartBucket {
  readonly start: string;
  readonly requests: number;
  readonly errors: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

/** One part of a bar: its value, its CSS class and the word for it in the legend and titles. */
interface Segment {
  readonly value: number;
  readonly className: string;
  readonly name: string;
}

interface ChartSpec {
  readonly label: string;
  readonly granularity: 'hour' | 'day';
  /** What a whole bar counts ("requests", "tokens"). */
  readonly unit: string;
  /** The parts of a bucket's bar, bottom first; they add up to the bar. */
  readonly segments: (bucket: ChartBucket) => readonly Segment[];
  /** The bucket's words in its <title> (for a screen reader and on hover). */
  readonly describe: (bucket: ChartBucket) => string;
  readonly legend: readonly (readonly [className: string, name: string])[];
}

const WIDTH = 720;
const HEIGHT = 170;
const LEFT = 52;
const BOTTOM = 20;

/**
 * Stacked bars per bucket as inline SVG drawn on the server (no chart library, no script). Each
 * bar has a <title>, so the numbers are there for a screen reader and on hover.
 */
function stackedChart(buckets: readonly ChartBucket[], spec: ChartSpec): SafeHtml {
  const totals = buckets.map((bucket) => spec.segments(bucket).reduce((sum, segment) => sum + segment.value, 0));
  const max = Math.max(1, ...totals);
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - BOTTOM - 6;
  const step = buckets.length === 0 ? plotWidth : plotWidth / buckets.length;
  const barWidth = Math.max(1, step * 0.8);
  const y = (value: number) => 6 + plotHeight - (value / max) * plotHeight;
  const when = (start: string) => (spec.granularity === 'hour' ? `${start.slice(11, 13)}:00` : start.slice(5, 10));
  const total = totals.reduce((sum, value) => sum + value, 0);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const bars = buckets.map((bucket, index) => {
    const x = (LEFT + index * step + (step - barWidth) / 2).toFixed(1);
    let below = 0;
    const rects = spec.segments(bucket).map((segment) => {
      const bottom = below;
      below += segment.value;
      if (segment.value <= 0) return '';
      return html`<rect class="bar ${segment.className}" x="${x}" y="${y(below).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(bottom) - y(below)).toFixed(1)}"></rect>`;
    });
    return html`<g><title>${bucket.start}: ${spec.describe(bucket)}</title>${rects}
${index % labelEvery === 0 ? html`<text x="${(Number(x) + barWidth / 2).toFixed(1)}" y="${HEIGHT - 5}" text-anchor="middle">${when(bucket.start)}</text>` : ''}</g>`;
  });
  return html`<figure class="panel"><figcaption><strong>${spec.label}</strong> <span class="chart-legend">(${total} ${spec.unit};${spec.legend.map(
    ([className, name]) => html` <span class="legend ${className}">■</span> ${name}`,
  )})</span></figcaption>
<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${spec.label}: ${total} ${spec.unit}">
<line x1="${LEFT}" y1="${y(0)}" x2="${WIDTH}" y2="${y(0)}"></line><line x1="${LEFT}" y1="${y(max)}" x2="${WIDTH}" y2="${y(max)}"></line>
<text x="${LEFT - 4}" y="${y(max) + 4}" text-anchor="end">${max}</text><text x="${LEFT - 4}" y="${y(0) + 4}" text-anchor="end">0</text>
${bars}</svg></figure>`;
}

/** Requests per bucket, the failed ones at the bottom of each bar in their own colour. */
export function usageChart(buckets: readonly ChartBucket[], label: string, granularity: 'hour' | 'day'): SafeHtml {
  return stackedChart(buckets, {
    label,
    granularity,
    unit: 'requests',
    segments: (bucket) => [
      { value: bucket.errors, className: 'err', name: 'errors' },
      { value: bucket.requests - bucket.errors, className: 'ok', name: 'succeeded' },
    ],
    describe: (bucket) => `${bucket.requests} requests, ${bucket.errors} errors`,
    legend: [
      ['ok', 'requests'],
      ['err', 'errors'],
    ],
  });
}

/** Tokens per bucket: prompt tokens (in) at the bottom, completion tokens (out) above. */
export function tokenChart(buckets: readonly ChartBucket[], label: string, granularity: 'hour' | 'day'): SafeHtml {
  return stackedChart(buckets, {
    label,
    granularity,
    unit: 'tokens',
    segments: (bucket) => [
      { value: bucket.prompt_tokens, className: 'tin', name: 'in' },
      { value: bucket.completion_tokens, className: 'tout', name: 'out' },
    ],
    describe: (bucket) => `${bucket.prompt_tokens} tokens in, ${bucket.completion_tokens} tokens out`,
    legend: [
      ['tin', 'tokens in (prompt)'],
      ['tout', 'tokens out (completion)'],
    ],
  });
}
