import { describe, expect, it } from 'vitest';
import { OPENAI_ENDPOINTS, ProviderConfigError, builtInOpenAiProvider, parseProviderConfig } from '../../src/proxy/index.js';

const yaml = `
default_api: openai
apis:
  openai:
    base_url: https://api.openai.com/v1
    allowed_endpoints: [/v1/chat/completions, /v1/models/]
    allowed_methods: [get, POST, OPTIONS]
    timeouts:
      request: 120s
      response_header: 30s
      idle_connection: 90s
      flush_interval: 10ms
    connection:
      max_idle_conns: 100
      max_idle_conns_per_host: 20
    param_whitelist:
      model: [gpt-4o, gpt-4o-*]
    allowed_origins: [https://www.example.com]
    required_headers: [Origin]
  groq:
    base_url: https://api.groq.com/openai
    allowed_endpoints: [/v1/chat/completions]
    allowed_methods: [POST]
`;

describe('api_providers.yaml', () => {
  it('reads the Go schema', () => {
    const provider = parseProviderConfig(yaml);
    expect(provider.name).toBe('openai');
    expect(provider.baseUrl.href).toBe('https://api.openai.com/');
    expect(provider.allowedEndpoints).toEqual(['/v1/chat/completions', '/v1/models']);
    expect(provider.allowedMethods).toEqual(['GET', 'POST', 'OPTIONS']);
    expect(provider.responseTimeoutMs).toBe(30_000);
    expect(provider.idleConnectionMs).toBe(90_000);
    expect(provider.maxIdleConnections).toBe(20);
    expect(provider.paramWhitelist).toEqual({ model: ['gpt-4o', 'gpt-4o-*'] });
    expect(provider.allowedOrigins).toEqual(['https://www.example.com']);
    expect(provider.requireOrigin).toBe(true);
  });

  it('selects another provider and keeps its base path', () => {
    const provider = parseProviderConfig(yaml, 'groq');
    expect(provider.baseUrl.href).toBe('https://api.groq.com/openai');
    expect(provider.requireOrigin).toBe(false);
  });

  it('explains what is wrong', () => {
    expect(() => parseProviderConfig('apis: {}')).toThrowError(/apis: must define at least one API/);
    expect(() => parseProviderConfig('apis:\n  x:\n    base_url: ftp://x\n    allowed_endpoints: []\n    allowed_methods: [GET]')).toThrowError(
      /apis\.x\.base_url: must be an http:\/\/ or https:\/\/ URL[\s\S]*apis\.x\.allowed_endpoints: must list at least one endpoint/,
    );
    expect(() => parseProviderConfig(yaml, 'missing')).toThrowError(/API "missing" is not defined \(defined: openai, groq\)/);
    expect(() => parseProviderConfig('apis: [')).toThrowError(ProviderConfigError);
  });

  it('has a built-in OpenAI provider with every current endpoint', () => {
    const provider = builtInOpenAiProvider('http://127.0.0.1:9000/v1/');
    expect(provider.baseUrl.href).toBe('http://127.0.0.1:9000/');
    expect(provider.allowedEndpoints).toEqual(OPENAI_ENDPOINTS);
    expect(provider.allowedEndpoints).toContain('/v1/responses');
  });
});

describe('the shipped example', () => {
  it('is valid and selects openai', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(new URL('../../config/api_providers.example.yaml', import.meta.url), 'utf8');
    expect(parseProviderConfig(text).name).toBe('openai');
    expect(parseProviderConfig(text, 'groq').baseUrl.href).toBe('https://api.groq.com/openai');
  });
});
