/** A horizontal bar chart in the terminal, one line per bucket, in Unicode eighth blocks. */

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const FULL = '█';
/** Bar width when the output's width is unknown (a pipe without $COLUMNS). */
const DEFAULT_BAR_WIDTH = 40;
const MIN_BAR_WIDTH = 10;
const MAX_BAR_WIDTH = 60;

export interface ChartLine {
  readonly label: string;
  readonly value: number;
}

/** A bar of `value` out of `max` in `width` cells; any value above 0 shows at least one eighth. */
export function bar(value: number, max: number, width: number): string {
  if (value <= 0 || max <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  return FULL.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? '');
}

/** `label  ████▍      value` lines, the bars as wide as `maxWidth` allows (Infinity: a default width). */
export function formatBarChart(lines: readonly ChartLine[], maxWidth: number): string {
  const labelWidth = Math.max(0, ...lines.map((line) => line.label.length));
  const values = lines.map((line) => String(line.value));
  const valueWidth = Math.max(0, ...values.map((value) => value.length));
  const room = maxWidth - labelWidth - valueWidth - 4;
  const barWidth = Number.isFinite(room) ? Math.min(MAX_BAR_WIDTH, Math.max(MIN_BAR_WIDTH, room)) : DEFAULT_BAR_WIDTH;
  const max = Math.max(0, ...lines.map((line) => line.value));
  return lines
    .map((line, index) => `${line.label.padEnd(labelWidth)}  ${bar(line.value, max, barWidth).padEnd(barWidth)}  ${(values[index] ?? '').padStart(valueWidth)}`)
    .join('\n')
    .concat('\n');
}
