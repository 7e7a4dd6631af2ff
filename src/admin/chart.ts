import { html, type SafeHtml } from './html.js';

export interface ChartBucket {
  readonly start: string;
  readonly requests: number;
  readonly errors: number;
}

const WIDTH = 720;
const HEIGHT = 170;
const LEFT = 40;
const BOTTOM = 20;

/**
 * Requests per bucket as bars with their errors in front, as inline SVG drawn on the server (no
 * chart library, no script). Each bar has a <title>, so the numbers are there for a screen reader
 * and on hover.
 */
export function usageChart(buckets: readonly ChartBucket[], label: string, granularity: 'hour' | 'day'): SafeHtml {
  const max = Math.max(1, ...buckets.map((bucket) => bucket.requests));
  const plotWidth = WIDTH - LEFT - 4;
  const plotHeight = HEIGHT - BOTTOM - 6;
  const step = buckets.length === 0 ? plotWidth : plotWidth / buckets.length;
  const barWidth = Math.max(1, step * 0.8);
  const y = (value: number) => 6 + plotHeight - (value / max) * plotHeight;
  const when = (start: string) => (granularity === 'hour' ? `${start.slice(11, 13)}:00` : start.slice(5, 10));
  const total = buckets.reduce((sum, bucket) => sum + bucket.requests, 0);
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const bars = buckets.map((bucket, index) => {
    const x = LEFT + index * step + (step - barWidth) / 2;
    return html`<g><title>${bucket.start}: ${bucket.requests} requests, ${bucket.errors} errors</title>
<rect class="bar" x="${x.toFixed(1)}" y="${y(bucket.requests).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - y(bucket.requests)).toFixed(1)}"></rect>
${bucket.errors > 0 ? html`<rect class="bar err" x="${x.toFixed(1)}" y="${y(bucket.errors).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - y(bucket.errors)).toFixed(1)}"></rect>` : ''}
${index % labelEvery === 0 ? html`<text x="${(x + barWidth / 2).toFixed(1)}" y="${HEIGHT - 5}" text-anchor="middle">${when(bucket.start)}</text>` : ''}</g>`;
  });
  return html`<figure class="panel"><figcaption><strong>${label}</strong> <span class="chart-legend">(${total} requests; <span class="legend-req">■</span> requests, <span class="legend-err">■</span> errors)</span></figcaption>
<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${label}: ${total} requests">
<line x1="${LEFT}" y1="${y(0)}" x2="${WIDTH}" y2="${y(0)}"></line><line x1="${LEFT}" y1="${y(max)}" x2="${WIDTH}" y2="${y(max)}"></line>
<text x="${LEFT - 4}" y="${y(max) + 4}" text-anchor="end">${max}</text><text x="${LEFT - 4}" y="${y(0) + 4}" text-anchor="end">0</text>
${bars}</svg></figure>`;
}
