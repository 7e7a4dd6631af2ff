import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares two secrets in constant time (over equal-length digests, so lengths do not leak). */
export function createSecretMatcher(expected: string): (candidate: string) => boolean {
  const expectedDigest = digest(expected);
  return (candidate) => timingSafeEqual(digest(candidate), expectedDigest);
}
