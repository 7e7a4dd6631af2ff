import { InvalidArgumentError } from 'commander';

/** Parsers of the `manage audit list` flags (cheap to import: --help loads them). */

/** --since: that long ago, or a point in time. */
export type AuditSince = { readonly agoMs: number; readonly text: string } | { readonly at: Date; readonly text: string };

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
const DURATION = /^(\d+)(m|h|d|w)$/;
// A date (UTC midnight) or a time with its zone: without one it would be read in some local zone.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

export const AUDIT_SINCE_FORMS = 'a duration such as 90m, 24h, 7d or 2w, or a date or time such as 2026-11-01 or 2026-11-01T12:00:00Z';

/** Commander parser of --since. */
export function auditSince(text: string): AuditSince {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  const agoMs = duration ? Number(duration[1]) * (UNIT_MS[duration[2] ?? ''] ?? 0) : 0;
  if (agoMs > 0) return { agoMs, text: trimmed };
  const at = ISO_TIME.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (!Number.isNaN(at)) return { at: new Date(at), text: trimmed };
  throw new InvalidArgumentError(`expected ${AUDIT_SINCE_FORMS}.`);
}

export const MAX_AUDIT_LIMIT = 100;

/** Commander parser of --limit: 1 to 100 (one page of the API). */
export function auditLimit(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_AUDIT_LIMIT) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_AUDIT_LIMIT}.`);
  return value;
}
