import { describe, expect, it } from 'vitest';
import { createAccessLogWriter } from '../../src/server/access-log-writer.js';

describe('access log writer', () => {
  it('writes the lines of 20 ms in one write, each a JSON object in the log line shape', async () => {
    const writes: string[] = [];
    const writer = createAccessLogWriter({ write: (text: string) => void writes.push(text) });
    writer.info({ request_id: 'a', route: '/v1/models', status: 200, error_code: null }, 'request');
    writer.info({ request_id: 'b', route: '/v1/"odd"\npath', status: 401, error_code: 'token_not_found' }, 'request');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([]); // not per event-loop turn
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(writes).toHaveLength(1);
    const lines = (writes[0] as string).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: 'info', msg: 'request', request_id: 'a', route: '/v1/models', status: 200, error_code: null },
      { level: 'info', msg: 'request', request_id: 'b', route: '/v1/"odd"\npath', status: 401, error_code: 'token_not_found' },
    ]);
    expect(Number.isNaN(Date.parse(lines[0]?.time as string))).toBe(false);
  });

  it('writes at once when the next line would take the pending lines past 64 KiB', () => {
    const writes: string[] = [];
    const writer = createAccessLogWriter({ write: (text: string) => void writes.push(text) });
    const route = `/v1/${'x'.repeat(1000)}`;
    for (let i = 0; i < 70; i++) writer.info({ request_id: String(i), route }, 'request');
    expect(writes).toHaveLength(1);
    expect((writes[0] as string).length).toBeGreaterThan(63 * 1024);
    expect((writes[0] as string).length).toBeLessThanOrEqual(64 * 1024);
    writer.flush();
    expect(writes.join('').trimEnd().split('\n')).toHaveLength(70);
  });

  it('writes what is pending on flush', () => {
    const writes: string[] = [];
    const writer = createAccessLogWriter({ write: (text: string) => void writes.push(text) });
    writer.info({ request_id: 'c' }, 'request');
    writer.flush();
    expect(writes).toHaveLength(1);
    writer.flush();
    expect(writes).toHaveLength(1);
  });

  it('writes each field as JSON.stringify would, whatever the value', () => {
    const writes: string[] = [];
    const writer = createAccessLogWriter({ write: (text: string) => void writes.push(text) });
    const fields = {
      plain: '/v1/chat/completions',
      quoted: 'say "hi" \\ bye',
      controls: 'a\nb\tc\u0000d\u001f',
      unicode: 'café ✓ 😀 \u2028',
      lone_surrogate: 'x\ud800y',
      integer: 200,
      fraction: 0.1 + 0.2,
      negative_zero: -0,
      huge: 1e21,
      not_finite: Number.POSITIVE_INFINITY,
      not_a_number: Number.NaN,
      yes: true,
      no: false,
      nothing: null,
      left_out: undefined,
      nested: { a: [1, 'two', null] },
    };
    writer.info(fields, 'request');
    writer.flush();
    const line = (writes[0] as string).trimEnd();
    const members = line.slice(line.indexOf('"msg":"request",') + '"msg":"request",'.length);
    expect(`{${members}`).toBe(JSON.stringify(fields));
  });
});
