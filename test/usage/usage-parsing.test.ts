import { describe, expect, it } from 'vitest';
import { encodingOf, estimateUsage, promptText, requestFacts, streamedText, usageOfAnswer, withIncludeUsage } from '../../src/usage/index.js';
import { lastUsageObject } from '../../src/usage/json-tail.js';

describe('provider usage', () => {
  it('reads chat completions usage with cached and reasoning tokens', () => {
    const usage = usageOfAnswer({
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } },
    });
    expect(usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cached_tokens: 4, reasoning_tokens: 2, source: 'provider' });
  });

  it('reads Responses API usage from an answer and from response.completed', () => {
    const usage = { input_tokens: 8, output_tokens: 3, total_tokens: 11, input_tokens_details: { cached_tokens: 1 }, output_tokens_details: { reasoning_tokens: 2 } };
    const expected = { prompt_tokens: 8, completion_tokens: 3, total_tokens: 11, cached_tokens: 1, reasoning_tokens: 2, source: 'provider' };
    expect(usageOfAnswer({ object: 'response', usage })).toEqual(expected);
    expect(usageOfAnswer({ type: 'response.completed', response: { usage } })).toEqual(expected);
  });

  it('ignores null and malformed usage', () => {
    expect(usageOfAnswer({ usage: null })).toBeUndefined();
    expect(usageOfAnswer({ usage: { prompt_tokens: 'x' } })).toBeUndefined();
    expect(usageOfAnswer('text')).toBeUndefined();
  });

  it('finds the last usage object in the tail of a JSON body, not one quoted inside a string', () => {
    const body = JSON.stringify({ choices: [{ message: { content: 'say "usage": {"prompt_tokens": 99}' } }], usage: { prompt_tokens: 1, total_tokens: 1 } });
    expect(lastUsageObject(Buffer.from(body))).toEqual({ prompt_tokens: 1, total_tokens: 1 });
    expect(lastUsageObject(Buffer.from(body.slice(20)))).toEqual({ prompt_tokens: 1, total_tokens: 1 });
    expect(lastUsageObject(Buffer.from('{"data":[1,2,3]}'))).toBeUndefined();
    expect(lastUsageObject(Buffer.from('{"usage" :\n {"prompt_tokens":2,"x":{"y":"}"}}, "usage": null}'))).toEqual({ prompt_tokens: 2, x: { y: '}' } });
    // The tail of a large answer may start anywhere: an object cut at its start is skipped.
    expect(lastUsageObject(Buffer.from('_tokens":3}, "usage": {"prompt_tokens":4}'))).toEqual({ prompt_tokens: 4 });
  });
});

describe('request facts and include_usage', () => {
  it('reads model, stream and include_usage from a JSON body', () => {
    const facts = requestFacts(Buffer.from(' {"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}'));
    expect([facts.model, facts.stream, facts.includeUsage]).toEqual(['gpt-4o', true, true]);
    expect(requestFacts(Buffer.from('[1]')).model).toBeNull();
    expect(requestFacts(Buffer.from('{broken')).model).toBeNull();
  });

  it('reads a body without a "stream" key as not streamed, and its model and JSON when asked', () => {
    const facts = requestFacts(Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"say \\"stream\\""}]}'));
    expect([facts.stream, facts.includeUsage]).toEqual([false, false]);
    expect(facts.model).toBe('gpt-4o-mini');
    expect(facts.json).toMatchObject({ messages: [{ content: 'say "stream"' }] });
    const broken = requestFacts(Buffer.from('{"model": broken'));
    expect([broken.stream, broken.model, broken.json]).toEqual([false, null, undefined]);
    expect(requestFacts(Buffer.from('{"model":"m","stream":false}')).stream).toBe(false);
  });

  it('inserts stream_options without touching the rest of the body', () => {
    const body = Buffer.from('{ "model": "gpt-4o",\n  "stream": true, "messages": [] }');
    const rewritten = withIncludeUsage(body, requestFacts(body)).toString();
    expect(rewritten).toBe('{"stream_options":{"include_usage":true}, "model": "gpt-4o",\n  "stream": true, "messages": [] }');
    expect(JSON.parse(rewritten)).toMatchObject({ stream_options: { include_usage: true }, model: 'gpt-4o' });
    expect(withIncludeUsage(Buffer.from('{}'), requestFacts(Buffer.from('{}'))).toString()).toBe('{"stream_options":{"include_usage":true}}');
  });

  it('merges include_usage into stream_options the client sent', () => {
    const body = Buffer.from('{"stream":true,"stream_options":{"include_obfuscation":false}}');
    expect(JSON.parse(withIncludeUsage(body, requestFacts(body)).toString())).toEqual({ stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
  });
});

describe('token estimates', () => {
  it('picks the tokenizer by model family', () => {
    expect(encodingOf('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingOf('o3-mini')).toBe('o200k_base');
    expect(encodingOf('gpt-4.1')).toBe('o200k_base');
    expect(encodingOf('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingOf(null)).toBe('cl100k_base');
  });

  it('collects prompt text from messages, input, prompt and instructions', () => {
    expect(promptText({ messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: [{ type: 'text', text: 'there' }] }] })).toEqual({ text: 'hi\nthere', messages: 2 });
    expect(promptText({ input: 'x', instructions: 'be brief' })).toEqual({ text: 'be brief\nx', messages: 0 });
  });

  it('collects streamed text from chat deltas, tool calls and Responses deltas', () => {
    expect(streamedText({ choices: [{ delta: { content: 'a' } }] })).toBe('a');
    expect(streamedText({ choices: [{ delta: { tool_calls: [{ function: { arguments: '{"x"' } }] } }] })).toBe('{"x"');
    expect(streamedText({ type: 'response.output_text.delta', delta: 'b' })).toBe('b');
  });

  it('counts tokens with the real tokenizer', async () => {
    const usage = await estimateUsage('gpt-4o', { text: 'Hello world', messages: 1 }, 'Hello there, friend');
    expect(usage.source).toBe('estimated');
    expect(usage.prompt_tokens).toBe(2 + 3);
    expect(usage.completion_tokens).toBe(4);
    expect(usage.total_tokens).toBe(9);
  });
});
