import { describe, expect, it } from 'vitest';
import { createAuditId } from '../../src/audit/audit-id.js';

describe('audit record ids', () => {
  it('are UUIDs version 7 that sort in the order they were made, within one millisecond too', () => {
    const at = Date.parse('2026-03-01T10:00:00Z');
    const ids = [...Array.from({ length: 5_000 }, () => createAuditId(at)), createAuditId(at + 1), createAuditId(at - 10)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids); // a clock going back does not break the order
    expect(new Set(ids).size).toBe(ids.length);
    expect(parseInt(ids[0]?.replace(/-/g, '').slice(0, 12) ?? '', 16)).toBe(at);
  });
});
