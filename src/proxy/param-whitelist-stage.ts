import { ProxyError } from '../errors.js';
import type { ParamWhitelist } from './param-whitelist.js';
import type { ProxyStage } from './stage.js';

function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith('application/json') === true;
}

/**
 * `param_whitelist` as a stage: POST bodies must be JSON objects whose whitelisted parameters
 * match. It fails closed: a body the proxy cannot check (not JSON, or not declared as JSON) is
 * refused, never forwarded unchecked. An empty body has nothing to check and passes.
 */
export function paramWhitelistStage(whitelist: ParamWhitelist): ProxyStage {
  return {
    name: 'param-whitelist',
    needsBody: (exchange) => exchange.method === 'POST',
    beforeUpstream(exchange) {
      const body = exchange.requestBody;
      if (exchange.method !== 'POST' || body === undefined || body.length === 0) return;
      if (!isJsonContentType(exchange.req.headers['content-type'])) throw new ProxyError('invalid_body');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new ProxyError('invalid_body', 'Request body is not valid JSON, and this proxy checks request parameters (param_whitelist)');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ProxyError('invalid_body');
      const message = whitelist.check(parsed);
      if (message !== undefined) throw new ProxyError('param_not_allowed', message);
    },
  };
}
