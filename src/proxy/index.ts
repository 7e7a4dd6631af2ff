export { createProxyHandler, type ProxyHandler, type ProxyHandlerOptions, type ProxyLogger } from './proxy-handler.js';
export { createRequestPolicy, isNormalisedPath, pathOf, type RequestPolicy } from './request-policy.js';
export { compileParamWhitelist, type ParamWhitelist } from './param-whitelist.js';
export {
  OPENAI_ENDPOINTS,
  ProviderConfigError,
  builtInOpenAiProvider,
  loadProvider,
  parseProviderConfig,
  type Provider,
} from './provider-config.js';
export { createTokenAuthenticator, extractBearerToken, type Admission, type TokenAuthenticator } from './token-auth.js';
export { createUpstream, UpstreamTimeoutError, type Upstream, type UpstreamLimits } from './upstream.js';
export { Exchange } from './exchange.js';
export type { ProxyStage, ResponseTap, ResponseTransformFactory } from './stage.js';
export { createBodyReader, type BodyReader } from './request-body.js';
export { paramWhitelistStage } from './param-whitelist-stage.js';
export { eventStage, type EventStageOptions } from './event-stage.js';
export { createCallDelivery, type CallDelivery, type EventRecorder } from './call-delivery.js';
export { accessLogStage, type AccessLogger } from './access-log-stage.js';
export { createUpgradeHandler, type UpgradeHandler, type UpgradeHandlerOptions } from './upgrade-handler.js';
export { writeErrorResponse } from './raw-response.js';
export { pickRequestId } from './request-id.js';

/** True for request URLs the data path serves: `/v1` and everything below it. */
export function isProxyPath(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/v1') && (url.length === 3 || url[3] === '/' || url[3] === '?');
}
