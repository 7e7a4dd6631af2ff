import { randomBytes } from 'node:crypto';

/** A new ENCRYPTION_KEY: base64 of 32 random bytes (AES-256-GCM of project API keys). */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** What to tell the user once a key was generated into `envFile` (never the key itself). */
export function encryptionKeyNotice(envFile: string): string {
  return `Generated ENCRYPTION_KEY in ${envFile}: project API keys are stored encrypted. Keep that file safe: without the key the stored keys cannot be read.`;
}
