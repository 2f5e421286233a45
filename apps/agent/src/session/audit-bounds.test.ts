import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundEvent, boundEventData, MAX_RECORDED_EVENT, MAX_RECORDED_TEXT } from './audit-bounds';

describe('what an audit event may carry', () => {
  it('keeps ordinary events as they are', () => {
    const data = { sql: 'select 1', params: ['a', null, 3], nested: { ok: true } };
    expect(boundEventData(data)).toEqual(data);
  });

  it('shortens a huge text, naming its length and the sha256 of the whole', () => {
    const sql = `select '${'x'.repeat(4 * 1024 * 1024)}'`;
    const r = boundEventData({ sql, rule: null }) as { sql: string; rule: null };
    expect(r.sql.startsWith(sql.slice(0, MAX_RECORDED_TEXT))).toBe(true);
    expect(r.sql).toContain(`${sql.length - MAX_RECORDED_TEXT} more characters not recorded`);
    expect(r.sql).toContain(createHash('sha256').update(sql).digest('hex'));
    expect(r.rule).toBeNull();
  });

  it('gives the JSON of what it keeps, and copies nothing it does not change', () => {
    const data = { sql: 'select 1', params: ['a', null, 3], nested: { ok: true, at: new Date(0), skip: undefined } };
    const r = boundEvent(data);
    expect(r.json).toBe(JSON.stringify(r.data));
    expect(r.data.params).toBe(data.params);
    // an object that is not plain is recorded by its own enumerable fields, as before
    expect(JSON.parse(r.json)).toEqual({ sql: 'select 1', params: ['a', null, 3], nested: { ok: true, at: {} } });
    const long = { list: ['short', 'y'.repeat(MAX_RECORDED_TEXT + 1)], other: { a: 1 } };
    const b = boundEvent(long);
    expect(b.data.other).toBe(long.other);
    expect(long.list[1]).toHaveLength(MAX_RECORDED_TEXT + 1);
    expect((b.data.list as string[])[1]).toContain('1 more characters not recorded');
  });

  it('records only the size of an event that is still too large', () => {
    const params = Array.from({ length: 40 }, () => 'p'.repeat(MAX_RECORDED_TEXT));
    const r = boundEventData({ params });
    expect(JSON.stringify(r).length).toBeLessThan(MAX_RECORDED_EVENT);
    expect(r.notRecorded).toMatch(/over hoop's limit/);
  });
});
