import { readClientSetting } from '../../config/index.js';
import { createManageClient, type ManageClient } from '../../manage-client/index.js';
import { UsageError } from '../io.js';

/** Flags every `manage` command takes (on `manage` itself or on the leaf command). */
export interface ManageGlobalOptions {
  readonly manageApiBaseUrl?: string;
  readonly managementToken?: string;
  readonly json?: boolean;
}

export const DEFAULT_MANAGE_API_BASE_URL = 'http://localhost:8080';

/** The management client: --management-token, else MANAGEMENT_TOKEN from the environment or ./.env. */
export function manageClientFor(options: ManageGlobalOptions): ManageClient {
  const managementToken = options.managementToken || readClientSetting('MANAGEMENT_TOKEN');
  if (!managementToken) {
    throw new UsageError(
      'a management token is required: pass --management-token or set MANAGEMENT_TOKEN (llm-proxy setup and llm-proxy server write it to .env)',
    );
  }
  const baseUrl = options.manageApiBaseUrl || readClientSetting('MANAGEMENT_API_BASE_URL') || DEFAULT_MANAGE_API_BASE_URL;
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--manage-api-base-url must be an http:// or https:// URL, got "${baseUrl}"`);
  return createManageClient({ baseUrl, managementToken });
}
