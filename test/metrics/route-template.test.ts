import { describe, expect, it } from 'vitest';
import { OTHER_ROUTE, createRouteTemplates } from '../../src/metrics/index.js';
import { OPENAI_ENDPOINTS } from '../../src/proxy/index.js';

describe('route templates', () => {
  const routeOf = createRouteTemplates(OPENAI_ENDPOINTS);

  it.each([
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['/v1/models/gpt-4o-mini', '/v1/models/{id}'],
    ['/v1/models/ft:gpt-4o-mini:acme::abc123', '/v1/models/{id}'],
    ['/v1/files/file-abc123/content', '/v1/files/{id}/content'],
    ['/v1/threads/thread_1/runs/run_2/steps/step_3', '/v1/threads/{id}/runs/{id}/steps/{id}'],
    ['/v1/fine_tuning/jobs/ftjob-1/events', '/v1/fine_tuning/jobs/{id}/events'],
    ['/v1/vector_stores/vs_1/file_batches/vsfb_2/files', '/v1/vector_stores/{id}/file_batches/{id}/files'],
    ['/v1/responses/resp_1/input_items', '/v1/responses/{id}/input_items'],
    ['/v1/audio/speech', '/v1/audio/speech'],
    ['/v1/realtime/calls/rtc_1/accept', '/v1/realtime/calls/{id}/accept'],
    ['/v1/files/sk-AbCdEfGhIjKlMnOpQrStUv', '/v1/files/{id}'], // a token pasted into a path is an id like any other
    ['/v1/files/file%2Dabc', '/v1/files/{id}'],
    ['/v1/modelsX', OTHER_ROUTE],
    ['/v1', OTHER_ROUTE],
    ['/v1/unknown/thing', OTHER_ROUTE],
    ['/v1/files/a/b/c/d/e/f/g', OTHER_ROUTE], // deeper than any OpenAI path
  ])('%s → %s', (path, route) => {
    expect(routeOf(path, null)).toBe(route);
  });

  it('makes every path the policy refused (or never checked) other', () => {
    for (const code of ['method_not_allowed', 'invalid_path', 'endpoint_not_found']) expect(routeOf('/v1/chat/completions', code)).toBe(OTHER_ROUTE);
    expect(routeOf('/v1/chat/completions', 'token_not_found')).toBe('/v1/chat/completions');
    expect(routeOf('/v1/files/file-1', 'canceled')).toBe('/v1/files/{id}');
  });

  it('keeps the label set bounded whatever clients send', () => {
    // At most 5 templates below the allowed endpoints (each template's parents count: /v1/threads/{id} for /v1/threads/{id}/runs).
    const bounded = createRouteTemplates(OPENAI_ENDPOINTS, 5);
    const routes = new Set<string>();
    const words = ['content', 'cancel', 'runs', 'steps', 'files', 'messages'];
    for (const a of words) for (const b of words) routes.add(bounded(`/v1/threads/t/${a}/x/${b}`, null));
    expect([...routes].sort()).toEqual(['/v1/threads/{id}/content/{id}/content', '/v1/threads/{id}/content/{id}/cancel', OTHER_ROUTE].sort());
    // Allowed endpoints themselves never count against the bound, nor do templates already made.
    expect(bounded('/v1/embeddings', null)).toBe('/v1/embeddings');
    expect(bounded('/v1/threads/another', null)).toBe('/v1/threads/{id}');
    expect(bounded('/v1/threads/another/content/y/content', null)).toBe('/v1/threads/{id}/content/{id}/content');
    expect(bounded('/v1/files/file-1', null)).toBe(OTHER_ROUTE);
  });

  it('takes the allowed endpoints of a custom provider as they are', () => {
    const custom = createRouteTemplates(['/v1/messages', '/v1']);
    expect(custom('/v1/messages', null)).toBe('/v1/messages');
    expect(custom('/v1/messages/batches/msgbatch_1', null)).toBe('/v1/messages/batches/{id}');
    // A provider allowing all of /v1: OpenAI words stay, the rest are ids.
    expect(custom('/v1/chat/completions', null)).toBe('/v1/chat/completions');
    expect(custom('/v1/custom-thing', null)).toBe('/v1/{id}');
    // Listed in any order.
    const reversed = createRouteTemplates(['/v1/chat/completions', '/v1']);
    expect(reversed('/v1/chat/other-thing', null)).toBe('/v1/chat/{id}');
    expect(reversed('/v1/chat/completions/x', null)).toBe('/v1/chat/completions/{id}');
    expect(reversed('/v1', null)).toBe('/v1');
    expect(createRouteTemplates(['/v1/chat/completions'])('/v1/chat', null)).toBe(OTHER_ROUTE);
  });
});
