/**
 * Display forms of secrets that must never be shown in clear (upstream API keys,
 * management tokens). Short values are fully masked.
 */
export function obfuscateSecret(value: string): string {
  if (value.length <= 4) return '****';
  if (value.length <= 12) return value.slice(0, 2) + '*'.repeat(value.length - 2);
  return `${value.slice(0, 8)}...${value.slice(-4)}`;
}

/** True when `value` looks like the output of obfuscateSecret (never store such a value as a key). */
export function looksObfuscated(value: string): boolean {
  return value.includes('...') || value.includes('****') || value.includes('…');
}
