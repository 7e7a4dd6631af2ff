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
export { ApiKeyDecryptionError, createApiKeyCipher, isEncryptedValue, type ApiKeyCipher } from './api-key-cipher.js';
export { generateManagementToken } from './management-token.js';
export { apiKeyProblem } from './api-key-format.js';
