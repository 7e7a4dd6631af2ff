import { cliCommand } from '../invocation.js';
import { apiKeyProblem } from '../../security/index.js';
import { defaultProxyUrl, readClientSetting } from '../../config/index.js';
import { createManageClient, type ManageClient } from '../../manage-client/index.js';
import { UsageError, outputWidth, type Io } from '../io.js';

/** Flags every `manage` command takes (on `manage` itself or on the leaf command). */
export interface ManageGlobalOptions {
  readonly manageApiBaseUrl?: string;
  readonly managementToken?: string;
  readonly json?: boolean;
  /** Tables with every column, uncut, whatever the terminal's width. */
  readonly wide?: boolean;
}

/** How wide tables may be. */
export function tableWidth(io: Io, options: ManageGlobalOptions): number {
  return options.wide ? Infinity : outputWidth(io.stdout);
}


/** The management client: --management-token, else MANAGEMENT_TOKEN from the environment or ./.env. */
export function manageClientFor(options: ManageGlobalOptions): ManageClient {
  const managementToken = options.managementToken || readClientSetting('MANAGEMENT_TOKEN');
  if (!managementToken) {
    throw new UsageError(
      `a management token is required: pass --management-token or set MANAGEMENT_TOKEN (\`${cliCommand()} setup\` and the server's first start write it to ./.env)`,
    );
  }
  const baseUrl = options.manageApiBaseUrl || readClientSetting('MANAGEMENT_API_BASE_URL') || defaultProxyUrl();
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--manage-api-base-url must be an http:// or https:// URL, got "${baseUrl}"`);
  return createManageClient({ baseUrl, managementToken });
}

/** Refuses, before anything is sent, an --openai-key the proxy could not send in an HTTP header. */
export function checkOpenAiKey(key: string): void {
  const problem = apiKeyProblem(key);
  if (problem !== undefined) throw new UsageError(`--openai-key ${problem}`);
}
