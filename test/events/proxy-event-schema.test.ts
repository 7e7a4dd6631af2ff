import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyEvent } from '../../src/events/index.js';
import { startHarness, type Harness } from '../support/proxy-harness.js';

interface PropertySchema {
  readonly type?: string | string[];
  readonly const?: unknown;
  readonly enum?: unknown[];
  readonly required?: string[];
  readonly properties?: Record<string, PropertySchema>;
  readonly $ref?: string;
}

const schema = JSON.parse(readFileSync(new URL('../../schema/proxy-event.v1.json', import.meta.url), 'utf8')) as PropertySchema & {
  $defs: { excerpt: { oneOf: PropertySchema[] } };
};

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The checks of the schema this file uses: required, types, const, enum, no extra properties. */
function problems(value: unknown, shape: PropertySchema, at: string): string[] {
  if (shape.$ref !== undefined) {
    const [nullable, object] = schema.$defs.excerpt.oneOf as [PropertySchema, PropertySchema];
    return value === null ? problems(value, nullable, at) : problems(value, object, at);
  }
  const found: string[] = [];
  if (shape.const !== undefined && value !== shape.const) found.push(`${at}: not ${String(shape.const)}`);
  if (shape.enum !== undefined && !shape.enum.includes(value)) found.push(`${at}: ${String(value)} not in enum`);
  if (shape.type !== undefined) {
    const types = Array.isArray(shape.type) ? shape.type : [shape.type];
    const actual = jsonType(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) found.push(`${at}: ${actual} is not ${types.join('|')}`);
  }
  if (shape.properties !== undefined && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const name of shape.required ?? []) if (!(name in record)) found.push(`${at}.${name}: missing`);
    for (const [name, child] of Object.entries(record)) {
      const property = shape.properties[name];
      if (property === undefined) found.push(`${at}.${name}: not in the schema`);
      else found.push(...problems(child, property, `${at}.${name}`));
    }
  }
  return found;
}

describe('schema/proxy-event.v1.json', () => {
  let harness: Harness;
  const events: ProxyEvent[] = [];

  beforeAll(async () => {
    harness = await startHarness();
    harness.proxy.events.subscribe((event) => events.push(event));
  });
  afterAll(async () => harness.close());

  it('describes the events the proxy really publishes: answered, streamed, refused', async () => {
    const { token } = await harness.issueToken();
    const post = (body: unknown, authorization = `Bearer ${token}`) =>
      fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.text());
    await post({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await post({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await post({}, 'Bearer nope');
    await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    await expect.poll(() => events.length).toBe(4);
    for (const event of events) expect(problems(event, schema, 'event')).toEqual([]);
    // The check itself sees drift either way.
    const { model: _model, ...withoutModel } = events[0] as ProxyEvent;
    expect(problems({ ...withoutModel, extra: 1, usage: { ...events[0]?.usage, source: 'guess' } }, schema, 'event')).toEqual([
      'event.model: missing',
      'event.usage.source: guess not in enum',
      'event.extra: not in the schema',
    ]);
  });
});
