import { describe, expect, it } from 'vitest';
import { switchingProtocolsHeaders, upgradeRequestHeaders } from '../../src/proxy/upgrade-headers.js';
import { keyProtocolOf, withProtocolKey } from '../../src/proxy/websocket-protocols.js';

const TOKEN = 'sk-AbCdEfGhIjKlMnOpQrStUv';
const KEY = 'sk-project-key';

function asObject(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

describe('sub-protocol keys', () => {
  it('finds the key entry and swaps every key entry for the project key', () => {
    expect(keyProtocolOf(`realtime, openai-insecure-api-key.${TOKEN}`)).toBe(`openai-insecure-api-key.${TOKEN}`);
    expect(keyProtocolOf('realtime')).toBeUndefined();
    expect(keyProtocolOf(undefined)).toBeUndefined();
    expect(withProtocolKey(`realtime,openai-insecure-api-key.${TOKEN}, openai-beta.realtime-v1`, KEY)).toBe(
      `realtime, openai-insecure-api-key.${KEY}, openai-beta.realtime-v1`,
    );
  });
});

describe('upgradeRequestHeaders', () => {
  it('keeps the WebSocket handshake, swaps credentials and drops hop-by-hop and client-identity headers', () => {
    const headers = asObject(
      upgradeRequestHeaders(
        {
          host: 'proxy.local',
          authorization: `Bearer ${TOKEN}`,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
          'sec-websocket-extensions': 'permessage-deflate',
          'sec-websocket-protocol': `realtime, openai-insecure-api-key.${TOKEN}`,
          'x-forwarded-for': '10.0.0.1',
          'keep-alive': 'timeout=5',
        },
        'api.openai.com',
        `Bearer ${KEY}`,
        KEY,
      ),
    );
    expect(headers).toEqual({
      host: 'api.openai.com',
      authorization: `Bearer ${KEY}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'sec-websocket-extensions': 'permessage-deflate',
      'sec-websocket-protocol': `realtime, openai-insecure-api-key.${KEY}`,
    });
  });
});

describe('switchingProtocolsHeaders', () => {
  const upstream = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': 'abc=', 'x-request-id': 'req_1' };

  it('passes the handshake on with our request id and the upstream one renamed', () => {
    expect(asObject(switchingProtocolsHeaders({ ...upstream, 'sec-websocket-protocol': 'realtime' }, 'rid', undefined))).toEqual({
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'X-Request-ID': 'rid',
      'sec-websocket-accept': 'abc=',
      'x-upstream-request-id': 'req_1',
      'sec-websocket-protocol': 'realtime',
    });
  });

  it('answers a chosen key sub-protocol with the entry the client offered, never the project key', () => {
    const chosen = { ...upstream, 'sec-websocket-protocol': `openai-insecure-api-key.${KEY}` };
    expect(asObject(switchingProtocolsHeaders(chosen, 'rid', `openai-insecure-api-key.${TOKEN}`))['sec-websocket-protocol']).toBe(
      `openai-insecure-api-key.${TOKEN}`,
    );
    expect(JSON.stringify(switchingProtocolsHeaders(chosen, 'rid', undefined))).not.toContain(KEY);
  });
});
