import { describe, expect, it } from 'vitest';
import { html, raw, toHtmlString } from '../../src/admin/html.js';
import { projectOptions } from '../../src/admin/layout.js';
import { createLoginLimiter } from '../../src/admin/login-limiter.js';
import { createSessionStore } from '../../src/admin/session-store.js';
import { usageCsv } from '../../src/admin/pages/usage.js';

describe('html template', () => {
  it('escapes every interpolated value, in text and in attributes, and keeps nested templates and raw() as markup', () => {
    const name = `<img src=x onerror=alert(1)> & "quoted" 'single'`;
    const out = toHtmlString(html`<a title="${name}">${name}</a>${html`<b>${'<i>'}</b>`}${raw('<hr>')}${[1, '<2>']}${null}${undefined}${false}`);
    expect(out).toBe(
      '<a title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot; &#39;single&#39;</a><b>&lt;i&gt;</b><hr>1&lt;2&gt;',
    );
  });

  it('does not take an object that looks like markup for markup', () => {
    const forged = JSON.parse('{"raw html":"<script>"}') as never;
    expect(toHtmlString(html`${forged}`)).toBe('[object Object]');
  });

  it('escapes the names and ids of a project select built as one string, and marks the chosen one', () => {
    const out = toHtmlString(projectOptions([{ id: 'p"1', name: '<img src=x onerror=alert(1)>' }, { id: 'p2', name: 'b & c' }], 'p2'));
    expect(out).toBe('<option value="p&quot;1">&lt;img src=x onerror=alert(1)&gt;</option><option value="p2" selected>b &amp; c</option>');
  });
});

describe('session store', () => {
  it('ends a session after the TTL without use, pushes it back on use, and forgets it on delete', () => {
    let now = 0;
    const store = createSessionStore({ ttlMs: 1000, now: () => now });
    const session = store.create();
    expect(session.id).not.toBe(session.csrfToken);
    now = 900;
    expect(store.get(session.id)).toBe(session);
    now = 1800; // 900 ms after the last use
    expect(store.get(session.id)).toBe(session);
    now = 2900;
    expect(store.get(session.id)).toBeUndefined();
    const other = store.create();
    store.delete(other.id);
    expect(store.get(other.id)).toBeUndefined();
    expect(store.get(undefined)).toBeUndefined();
  });
});

describe('login limiter', () => {
  it('stops an address after the failures allowed in the window, until the window is over', () => {
    let now = 0;
    const limiter = createLoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.allows('a')).toBe(true);
      limiter.fail('a');
    }
    expect(limiter.allows('a')).toBe(false);
    expect(limiter.allows('b')).toBe(true);
    now = 30_000;
    expect(limiter.retryAfterSeconds('a')).toBe(30);
    now = 60_000;
    expect(limiter.allows('a')).toBe(true);
    limiter.fail('b');
    limiter.succeed('b');
    expect(limiter.retryAfterSeconds('b')).toBe(0);
  });
});

describe('usage CSV', () => {
  it('writes one line per bucket and defuses cells a spreadsheet would run as formulas', () => {
    const counts = { requests: 2, errors: 0, cache_hits: 0, upstream_calls: 2, upstream_ms_avg: 1, prompt_tokens: 5, completion_tokens: 3, cached_tokens: 0, reasoning_tokens: 0, total_tokens: 8, estimated_calls: 0 };
    const csv = usageCsv({ granularity: 'day', from: 'x', to: 'y', project_id: null, token_id: null, buckets: [{ ...counts, start: '=cmd()' }], totals: counts });
    expect(csv.split('\r\n')).toEqual([
      'start,requests,errors,cache_hits,upstream_calls,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,total_tokens',
      "'=cmd(),2,0,0,2,5,3,0,0,8",
      '',
    ]);
  });
});
