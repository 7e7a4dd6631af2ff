import type { BenchmarkResult, ResponseSample } from '../../benchmark/index.js';

/** Never shown, whatever a server echoes back. */
const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization']);

/** `text` with every occurrence of the token replaced. */
export function redact(text: string, secret: string): string {
  return text.replaceAll(secret, '[redacted]');
}

/** A --debug sample ready to print: headers flattened, the token blanked out wherever it appears. */
export interface PresentedSample {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
  readonly bodyBytes: number;
  readonly isTruncated: boolean;
}

export function presentSample(sample: ResponseSample, secret: string): PresentedSample {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(sample.headers)) {
    if (value === undefined || HIDDEN_HEADERS.has(name)) continue;
    headers.push([name, redact(Array.isArray(value) ? value.join(', ') : value, secret)]);
  }
  return {
    status: sample.status,
    headers,
    body: redact(sample.body.toString('utf8'), secret),
    bodyBytes: sample.bodyBytes,
    isTruncated: sample.body.length < sample.bodyBytes,
  };
}

/** Indents every non-empty line; drops the trailing line breaks. */
function indent(text: string): string {
  return text.trimEnd().replace(/^(?=.)/gm, '    ');
}

/** The --debug section of the text report: one response per status code, one message per error kind. */
export function formatDebugSamples(result: BenchmarkResult, secret: string): string {
  const lines = ['Sample responses (the first one of each status code):'];
  if (result.responseSamples.length === 0) lines.push('  none');
  for (const sample of result.responseSamples.map((raw) => presentSample(raw, secret))) {
    lines.push('', `  HTTP ${sample.status}`);
    for (const [name, value] of sample.headers) lines.push(`    ${name}: ${value}`);
    if (sample.bodyBytes === 0) {
      lines.push('    <empty body>');
      continue;
    }
    const size = sample.isTruncated ? `first ${Buffer.byteLength(sample.body)} of ${sample.bodyBytes} bytes` : `${sample.bodyBytes} bytes`;
    lines.push(`  Body (${size}):`, indent(sample.body));
  }
  if (result.errorSamples.length > 0) {
    lines.push('', 'Sample errors (the first one of each kind):');
    for (const { kind, message } of result.errorSamples) lines.push(`  ${kind}: ${redact(message, secret)}`);
  }
  return lines.join('\n') + '\n';
}
