import { randomBytes } from 'node:crypto';

/** A new management token: 32 random bytes as 64 hex characters. */
export function generateManagementToken(): string {
  return randomBytes(32).toString('hex');
}
