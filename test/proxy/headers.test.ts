import { describe, expect, it } from 'vitest';
import { buildUpstreamHeaders } from '../../src/proxy/headers.js';

/** The flat [name, value, …] list as name → values. */
function byName(flat: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < flat.length; i += 2) (out[flat[i] as string] ??= []).push(flat[i + 1] as string);
  return out;
}

describe('upstream request headers', () => {
  const client = {
    host: 'proxy.example',
    authorization: 'Bearer sk-withering-token-000000',
    'content-type': 'application/json',
    'openai-organization': 'org-client',
    'openai-project': 'proj_client',
    forwarded: 'for=10.0.0.1',
    via: '1.1 cdn',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    'x-forwarded-port': '80',
    'x-forwarded-server': 'edge',
    'true-client-ip': '10.0.0.2',
    'x-cluster-client-ip': '10.0.0.3',
    'client-ip': '10.0.0.4',
    'fastly-client-ip': '10.0.0.5',
    'x-custom': 'kept',
  };

  it('drops the client OpenAI account headers and every client-identity header', () => {
    const sent = byName(buildUpstreamHeaders(client, 'api.openai.com', 'Bearer sk-real'));
    expect(sent).toEqual({
      host: ['api.openai.com'],
      authorization: ['Bearer sk-real'],
      'content-type': ['application/json'],
      'x-custom': ['kept'],
    });
  });

  it("sends the project's own headers instead of the client's", () => {
    const extra = ['openai-organization', 'org-project', 'openai-project', 'proj_project'];
    const sent = byName(buildUpstreamHeaders(client, 'api.openai.com', 'Bearer sk-real', extra));
    expect(sent['openai-organization']).toEqual(['org-project']);
    expect(sent['openai-project']).toEqual(['proj_project']);
  });
});
