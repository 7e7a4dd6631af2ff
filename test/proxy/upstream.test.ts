import { describe, expect, it } from 'vitest';
import { builtInOpenAiProvider, createUpstream } from '../../src/proxy/index.js';
import { UpstreamRequestError } from '../../src/proxy/upstream.js';

const limits = {
  connectTimeoutMs: 1000,
  responseHeaderTimeoutMs: 1000,
  streamIdleTimeoutMs: 1000,
  clientBodyIdleMs: 1000,
  maxConnections: 4,
  maxQueue: 4,
};

const ignoreResponse = { head() {}, body: () => true, end() {}, error() {} };

describe('upstream', () => {
  it('turns a request node refuses to start (a header value HTTP forbids) into an UpstreamRequestError, without the value', () => {
    const upstream = createUpstream(builtInOpenAiProvider('http://127.0.0.1:9'), limits);
    try {
      let thrown: unknown;
      try {
        upstream.request('GET', '/v1/models', ['authorization', 'Bearer sk-pasted\u2013key'], undefined, ignoreResponse);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UpstreamRequestError);
      expect((thrown as Error).message).toMatch(/could not be started/);
      expect((thrown as Error).message).not.toContain('pasted');
    } finally {
      upstream.close();
    }
  });
});
