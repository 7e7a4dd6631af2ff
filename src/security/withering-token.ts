import { createHash, randomBytes } from 'node:crypto';

/**
 * Withering tokens: `sk-` followed by 22 base64url characters (16 random bytes), 25
 * characters in all — the Go original's format, so its tokens and clients keep working.
 * Only the SHA-256 of a token is stored; the plaintext is shown once, at creation.
 */
export const TOKEN_PREFIX = 'sk-';
export const TOKEN_LENGTH = 25;

const BASE64URL_CHAR = /^[A-Za-z0-9_-]+$/;

export function generateWitheringToken(): string {
  return TOKEN_PREFIX + randomBytes(16).toString('base64url');
}

export function isWellFormedToken(value: string): boolean {
  return (
    value.length === TOKEN_LENGTH && value.startsWith(TOKEN_PREFIX) && BASE64URL_CHAR.test(value.slice(TOKEN_PREFIX.length))
  );
}

/** Lowercase hex SHA-256 of the whole token string: the lookup key stored in the database. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A display hint that identifies a token without revealing it: `sk-AbCd…WxYz`. */
export function tokenHint(token: string): string {
  const body = token.startsWith(TOKEN_PREFIX) ? token.slice(TOKEN_PREFIX.length) : token;
  if (body.length <= 8) return `${TOKEN_PREFIX}…`;
  return `${TOKEN_PREFIX}${body.slice(0, 4)}…${body.slice(-4)}`;
}

const TOKEN_IN_TEXT = /sk-[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/g;

/** Replaces every withering token inside free text (URLs, messages) by its hint. */
export function redactTokens(text: string): string {
  return text.includes(TOKEN_PREFIX) ? text.replace(TOKEN_IN_TEXT, tokenHint) : text;
}
