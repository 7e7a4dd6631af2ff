import type { CachedResponse } from '../../src/cache/entry.js';

/** A stored answer whose body has `bodyBytes` bytes, fresh for `lifetimeSeconds` from `responseTime`. */
export function makeEntry(bodyBytes: number, overrides: Partial<CachedResponse> = {}): CachedResponse {
  return {
    status: 200,
    headers: ['content-type', 'application/json'],
    chunks: [Buffer.alloc(bodyBytes, 'x')],
    gapsMs: [0],
    responseTime: Date.now(),
    lifetimeSeconds: 60,
    initialAgeSeconds: 0,
    mustRevalidate: false,
    vary: [],
    varyValues: [],
    ...overrides,
  };
}
