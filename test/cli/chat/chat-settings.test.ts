import { describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../../src/cli/chat/chat-settings.js';
import { UsageError } from '../../../src/cli/io.js';

describe('chatEndpoint', () => {
  it.each([
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['http://localhost:8080/v1', 'http://localhost:8080'],
    ['https://proxy.example.com/v1/', 'https://proxy.example.com'],
    ['https://example.com/llm-proxy', 'https://example.com/llm-proxy'],
  ])('%s → %s/v1', (baseUrl, proxyUrl) => {
    expect(chatEndpoint(baseUrl)).toEqual({ proxyUrl, apiBaseUrl: `${proxyUrl}/v1` });
  });

  it.each(['localhost:8080', 'ftp://example.com', ''])('refuses %j with a usage error', (baseUrl) => {
    expect(() => chatEndpoint(baseUrl)).toThrow(UsageError);
  });
});
