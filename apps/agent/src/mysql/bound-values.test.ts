import { TYPE } from '@hoop/mysqlwire';
import { describe, expect, it } from 'vitest';
import { describeParams, reviewDigest } from '../session/review-subject';
import { boundParams } from './bound-values';

const sql = 'UPDATE t SET a = ?, b = ?, c = ?, d = ?, e = ?, f = ? WHERE id = ?';

describe('the values of an execute as a review binds them', () => {
  it('reads every kind of value as reviewers should see it, with MySQL type names', () => {
    const p = boundParams([
      { type: TYPE.LONGLONG, unsigned: true, value: 18446744073709551615n },
      { type: TYPE.DOUBLE, unsigned: false, value: 1.5 },
      { type: TYPE.VAR_STRING, unsigned: false, value: Buffer.from("it's") },
      { type: TYPE.DATETIME, unsigned: false, value: { year: 2026, month: 12, day: 7, hour: 1, minute: 2, second: 3, microsecond: 40 } },
      { type: TYPE.DATE, unsigned: false, value: { year: 2026, month: 1, day: 2, hour: 0, minute: 0, second: 0, microsecond: 0 } },
      { type: TYPE.TIME, unsigned: false, value: { negative: true, days: 1, hours: 2, minutes: 3, seconds: 4, microseconds: 0 } },
      { type: TYPE.NULL, unsigned: false, value: null },
    ]);
    expect(describeParams(p, (t) => t)).toEqual([
      "$1 = '18446744073709551615' (bigint unsigned)",
      "$2 = '1.5' (double)",
      "$3 = 'it''s' (varchar)",
      "$4 = '2026-12-07 01:02:03.000040' (datetime)",
      "$5 = '2026-01-02' (date)",
      "$6 = '-26:03:04' (time)",
      '$7 = NULL (null)',
    ]);
  });

  it('the type is part of what is approved: 1 as a number, as a string, or unsigned are three approvals', () => {
    const digest = (type: number, unsigned: boolean, value: number | string) =>
      reviewDigest({ sql, params: boundParams([{ type, unsigned, value: typeof value === 'string' ? Buffer.from(value) : value }]) });
    const all = [digest(TYPE.LONG, false, 1), digest(TYPE.VAR_STRING, false, '1'), digest(TYPE.LONG, true, 1)];
    expect(new Set(all).size).toBe(3);
    expect(digest(TYPE.LONG, false, 1)).toBe(all[0]);
  });
});
