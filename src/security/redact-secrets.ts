import { redactTokens } from './withering-token.js';

/** Provider API keys (OpenAI's sk-…, sk-proj-…, and the like) long enough not to be ordinary words. */
const API_KEY = /\b(sk|rk|pk)-[A-Za-z0-9_-]{20,}/g;
/** Any credential after a Bearer or Basic scheme, as in a header pasted into a prompt. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/gi;
/**
 * What sets a credential apart from a word that follows "basic" or "bearer" in prose ("basic
 * knowledge", "bearer bonds"): a digit, a symbol, or a capital past its first letter.
 */
const CREDENTIAL_LIKE = /[0-9._~+/=-]|.[A-Z]/;
/** Found in every text any of the patterns above (and withering tokens, `sk-…`) can match. */
const MAYBE_SECRET = /k-|bearer|basic/i;

/**
 * Makes free text (a request or response excerpt) safe to record: withering tokens become their
 * hint, API keys and bearer credentials are replaced. Text without such patterns is returned as is.
 */
export function redactSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text; // one scan for the common case of a text with nothing to redact
  return redactTokens(text)
    .replace(API_KEY, (_key, prefix: string) => `${prefix}-[redacted]`)
    .replace(AUTH_SCHEME, (match, scheme: string, credential: string) => (CREDENTIAL_LIKE.test(credential) ? `${scheme} [redacted]` : match));
}
