/**
 * Display forms of secrets that must never be shown in clear (upstream API keys,
 * management tokens): the last 4 characters only, enough to tell two keys apart. Values too
 * short for 4 characters to be a small part of them are fully masked.
 */
const SHOWN_CHARS = 4;
const MIN_LENGTH_TO_SHOW = 12;

export function obfuscateSecret(value: string): string {
  if (value.length < MIN_LENGTH_TO_SHOW) return '****';
  return `****${value.slice(-SHOWN_CHARS)}`;
}

/** True when `value` looks like the output of obfuscateSecret (never store such a value as a key). */
export function looksObfuscated(value: string): boolean {
  return value.includes('...') || value.includes('****') || value.includes('…');
}
