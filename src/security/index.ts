export {
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  generateWitheringToken,
  hashToken,
  isWellFormedToken,
  redactTokens,
  tokenHint,
} from './withering-token.js';
export { looksObfuscated, obfuscateSecret } from './obfuscate.js';
export { redactSecrets } from './redact-secrets.js';
export { createSecretMatcher } from './secret-compare.js';
export { ApiKeyDecryptionError, createApiKeyCipher, type ApiKeyCipher } from './api-key-cipher.js';
export { encryptionKeyId } from './encryption-key-id.js';
export { isEncryptedValue, parseStoredApiKey, type StoredApiKey } from './stored-api-key.js';
export { generateManagementToken } from './management-token.js';
export { apiKeyProblem } from './api-key-format.js';
