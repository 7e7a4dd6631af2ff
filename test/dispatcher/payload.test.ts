import { describe, expect, it } from 'vitest';
import { excerptJson, mergeEventStream, runPayload } from '../../src/dispatcher/index.js';
import { makeEvent } from './fake-source.js';

const excerpt = (text: string, truncated = false) => ({ text, truncated, bytes: text.length });

function chatStream(words: string[], usage?: object): string {
  const chunks = words.map((word, index) => ({
    id: 'chatcmpl-9',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: index === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }],
  }));
  const last = { id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
  const tail = usage ? [last, { id: 'chatcmpl-9', object: 'chat.completion.chunk', choices: [], usage }] : [last];
  return [...chunks, ...tail].map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('') + 'data: [DONE]\n\n';
}

describe('body excerpts as Lunary and Helicone get them', () => {
  it.each([
    ['JSON', excerpt('{"a":[1,2]}'), { a: [1, 2] }],
    ['a JSON array', excerpt(' [1] '), [1]],
    ['text', excerpt('hello'), 'hello'],
    ['JSON cut at the excerpt limit (as text)', excerpt('{"a":"bcd', true), '{"a":"bcd'],
    ['a binary body', { text: '', truncated: true, bytes: 1000 }, '<binary response omitted>'],
    ['an empty body', excerpt(''), undefined],
    ['no excerpt (excerpts off)', null, undefined],
  ])('%s', (_name, input, expected) => {
    expect(excerptJson(input)).toEqual(expected);
  });

  it('merges a streamed chat completion into one completion (content, finish reason, usage)', () => {
    expect(excerptJson(excerpt(chatStream(['Hel', 'lo', '!'], { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 })))).toEqual({
      id: 'chatcmpl-9',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
    });
  });

  it('takes the response of a Responses API stream from its response.completed event', () => {
    const response = { id: 'resp_1', object: 'response', status: 'completed', usage: { input_tokens: 3, output_tokens: 5 } };
    const stream = [
      `event: response.created\ndata: ${JSON.stringify({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress' } })}\n\n`,
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'Hi' })}\n\n`,
      `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response })}\n\n`,
    ].join('');
    expect(mergeEventStream(stream)).toEqual(response);
  });

  it('a stream cut by the excerpt limit still merges what it holds', () => {
    const full = chatStream(['one ', 'two ', 'three']);
    const cut = full.slice(0, full.indexOf('three') + 2);
    expect((excerptJson(excerpt(cut, true)) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('one two ');
  });
});

describe('run payload', () => {
  it('leaves input, output and tokensUsage out when there is nothing to say', () => {
    const event = makeEvent({ method: 'POST', status: 401, error_code: 'invalid_token', project_id: null, token_id: null, model: null, aborted: true });
    const run = runPayload(event);
    expect(run).toEqual({
      type: 'llm',
      event: 'start',
      runId: event.event_id,
      timestamp: event.started_at,
      metadata: {
        method: 'POST',
        path: '/v1/chat/completions',
        status: 401,
        duration_ms: 1111,
        request_id: event.request_id,
        event_id: event.event_id,
        error_code: 'invalid_token',
        aborted: true,
      },
    });
  });
});
