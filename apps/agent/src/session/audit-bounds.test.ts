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
    // recorded as JSON.stringify writes it (a Date as its time)
    expect(JSON.parse(r.json)).toEqual({ sql: 'select 1', params: ['a', null, 3], nested: { ok: true, at: '1970-01-01T00:00:00.000Z' } });
    expect(r.data).toBe(data);
    const long = { list: ['short', 'y'.repeat(MAX_RECORDED_TEXT + 1)], other: { a: 1 } };
    const b = boundEvent(long);
    expect(b.data.other).toBe(long.other);
    expect(b.json).toBe(JSON.stringify(b.data));
    expect(long.list[1]).toHaveLength(MAX_RECORDED_TEXT + 1);
    expect((b.data.list as string[])[1]).toContain('1 more characters not recorded');
  });

  it('writes a value the same whether or not the event needed shortening', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly label: string,
      ) {}
    }
    const small = boundEvent({ at: new Date(0), p: new Point(1, 'a') });
    const large = boundEvent({ at: new Date(0), p: new Point(1, 'a'), sql: 'z'.repeat(MAX_RECORDED_TEXT + 10) });
    const s = JSON.parse(small.json) as Record<string, unknown>;
    const l = JSON.parse(large.json) as Record<string, unknown>;
    expect(s).toEqual({ at: '1970-01-01T00:00:00.000Z', p: { x: 1, label: 'a' } });
    expect({ at: l.at, p: l.p }).toEqual(s);
    expect(large.json).toBe(JSON.stringify(large.data));
    // a long text inside an object that is not plain is shortened too
    const inner = boundEvent({ p: new Point(2, 'q'.repeat(MAX_RECORDED_TEXT + 1)) });
    expect((JSON.parse(inner.json) as { p: { label: string } }).p.label).toContain('1 more characters not recorded');
  });

  it('records only the size of an event that is still too large', () => {
    const params = Array.from({ length: 40 }, () => 'p'.repeat(MAX_RECORDED_TEXT));
    const r = boundEventData({ params });
    expect(JSON.stringify(r).length).toBeLessThan(MAX_RECORDED_EVENT);
    expect(r.notRecorded).toMatch(/over hoop's limit/);
  });
});
