import { describe, expect, it } from 'vitest';
import { compileParamWhitelist } from '../../src/proxy/index.js';

describe('param whitelist', () => {
  const whitelist = compileParamWhitelist({ model: ['gpt-4o', 'gpt-4o-*', 'o[34]-mini', 'gpt-?'], temperature: ['0', '0.7'] });

  it.each([
    [{ model: 'gpt-4o' }],
    [{ model: 'gpt-4o-mini' }],
    [{ model: 'o4-mini' }],
    [{ model: 'gpt-5' }],
    [{ model: 'gpt-4o', temperature: 0.7 }],
    [{ messages: [] }],
    ['not an object'],
    [null],
  ])('allows %j', (body) => expect(whitelist.check(body)).toBeUndefined());

  it.each([
    [{ model: 'gpt-4.1' }, "Parameter 'model' value 'gpt-4.1' is not allowed"],
    [{ model: 'o5-mini' }, "'o5-mini'"],
    [{ model: 'gpt-4o.evil' }, "'gpt-4o.evil'"],
    [{ model: 'gpt-4o', temperature: 1 }, "Parameter 'temperature' value '1'"],
    [{ model: ['gpt-4o'] }, 'value \'["gpt-4o"]\''],
  ])('refuses %j', (body, message) => expect(whitelist.check(body)).toContain(message));

  it('is empty without rules', () => expect(compileParamWhitelist({}).isEmpty).toBe(true));
});
