/**
 * Parsing of the header fields HTTP caching reads (RFC 9111 §5): Cache-Control, Pragma, Expires,
 * Date and Age. Pure functions over node's parsed header values.
 */

/** Cache-Control directives by lower-case name; a directive without argument maps to `''`. */
export type CacheDirectives = ReadonlyMap<string, string>;

const EMPTY: CacheDirectives = new Map();

/**
 * Parses one or more Cache-Control field values. Names are case-insensitive; arguments may be
 * tokens or quoted strings (a comma inside quotes does not split); when a directive appears twice
 * the first occurrence wins (RFC 9111 §4.2.1), except that presence is what counts for flags such
 * as no-store and private, which the map's `has` answers either way.
 */
export function parseCacheControl(value: string | readonly string[] | undefined): CacheDirectives {
  if (value === undefined) return EMPTY;
  const text = typeof value === 'string' ? value : value.join(',');
  if (text === '') return EMPTY;
  const directives = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    // name
    let start = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',') i++;
    const name = text.slice(start, i).trim().toLowerCase();
    let argument = '';
    if (text[i] === '=') {
      i++;
      while (text[i] === ' ' || text[i] === '\t') i++;
      if (text[i] === '"') {
        i++;
        let unquoted = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          unquoted += text[i];
          i++;
        }
        i++; // closing quote
        argument = unquoted;
        while (i < text.length && text[i] !== ',') i++; // ignore junk after the quoted string
      } else {
        start = i;
        while (i < text.length && text[i] !== ',') i++;
        argument = text.slice(start, i).trim();
      }
    }
    i++; // the comma
    if (name !== '' && !directives.has(name)) directives.set(name, argument);
  }
  return directives;
}

/** Largest delta-seconds a cache must be able to hold (RFC 9111 §1.2.2). */
export const DELTA_SECONDS_MAX = 2_147_483_648;

/**
 * A delta-seconds argument: undefined when the directive is absent; 0 when it is present but not
 * a non-negative integer (an invalid max-age must not make anything fresher); capped at 2^31.
 */
export function deltaSeconds(directives: CacheDirectives, name: string): number | undefined {
  const argument = directives.get(name);
  if (argument === undefined) return undefined;
  return parseDeltaSeconds(argument) ?? 0;
}

export function parseDeltaSeconds(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  return Math.min(Number(text), DELTA_SECONDS_MAX);
}

/**
 * The request's effective directives: Cache-Control, or, only when Cache-Control is absent,
 * `Pragma: no-cache` read as `Cache-Control: no-cache` (RFC 9111 §5.4).
 */
export function requestDirectives(cacheControl: string | readonly string[] | undefined, pragma: string | undefined): CacheDirectives {
  if (cacheControl !== undefined && cacheControl !== '') return parseCacheControl(cacheControl);
  if (pragma !== undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(pragma)) return new Map([['no-cache', '']]);
  return EMPTY;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms) in ms
 * since the epoch; undefined for anything else (Date.parse would read "0" as the year 2000).
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let parts: [day: string, month: string, year: number, hour: string, minute: string, second: string] | undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match) parts = [match[1]!, match[2]!, Number(match[3]), match[4]!, match[5]!, match[6]!];
  else if ((match = RFC850_DATE.exec(text))) {
    const year = Number(match[3]);
    // Two-digit years: RFC 9110 says read as up to 50 years in the future; 1970-2069 is close enough.
    parts = [match[1]!, match[2]!, year < 70 ? 2000 + year : 1900 + year, match[4]!, match[5]!, match[6]!];
  } else if ((match = ASCTIME_DATE.exec(text))) parts = [match[2]!.trim(), match[1]!, Number(match[6]), match[3]!, match[4]!, match[5]!];
  if (parts === undefined) return undefined;
  const month = MONTHS.indexOf(parts[1].toLowerCase());
  if (month < 0) return undefined;
  const ms = Date.UTC(parts[2], month, Number(parts[0]), Number(parts[3]), Number(parts[4]), Number(parts[5]));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The Age header in seconds; an invalid value is ignored. */
export function parseAge(value: string | undefined): number {
  if (value === undefined) return 0;
  return parseDeltaSeconds(value.split(',')[0]?.trim() ?? '') ?? 0;
}

/** Field names listed in a Vary value, lower-case, without duplicates. `*` is kept as is. */
export function parseVary(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const text = typeof value === 'string' ? value : value.join(',');
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return [...names];
}
