import { describe, expect, it } from 'vitest';
import { blockedRows, bucketTick, bucketTitle, colorsOf, duration, OTHER, OTHER_COLOR, PALETTE, sessionRows } from './chart-data';

const BUCKETS = ['2026-03-09T00:00', '2026-03-10T00:00'];

describe('chart rows', () => {
  it('gives every bucket a row, zero where nothing happened, people and AI agents apart', () => {
    const r = sessionRows(BUCKETS, [
      { bucket: '2026-03-10T00:00', connection: 'pg-prod', people: 2, agents: 1 },
      { bucket: '2026-03-10T00:00', connection: 'box', people: 1, agents: 0 },
    ]);
    expect(r.names).toEqual(['pg-prod', 'box']);
    expect(r.hasAgents).toBe(true);
    expect(r.data).toEqual([
      { bucket: '2026-03-09T00:00', 'people:pg-prod': 0, 'agents:pg-prod': 0, 'people:box': 0, 'agents:box': 0 },
      { bucket: '2026-03-10T00:00', 'people:pg-prod': 2, 'agents:pg-prod': 1, 'people:box': 1, 'agents:box': 0 },
    ]);
  });

  it('folds the smallest series into Other past the limit, and names a refusal without a rule', () => {
    const rows = ['a', 'b', 'c', 'd'].map((rule, i) => ({ bucket: BUCKETS[1]!, rule, blocked: 10 - i }));
    const r = blockedRows(BUCKETS, [...rows, { bucket: BUCKETS[0]!, rule: null, blocked: 1 }], 3);
    expect(r.names).toEqual(['a', 'b', OTHER]);
    expect(r.data[1]).toEqual({ bucket: BUCKETS[1], a: 10, b: 9, [OTHER]: 8 + 7 });
    expect(r.data[0]).toEqual({ bucket: BUCKETS[0], a: 0, b: 0, [OTHER]: 1 });
    expect(blockedRows(BUCKETS, [{ bucket: BUCKETS[0]!, rule: null, blocked: 2 }]).names).toEqual(['no rule']);
  });

  it('keeps a name’s colour whatever its rank', () => {
    expect(colorsOf(['zeta', 'alpha', OTHER])).toEqual(
      new Map([
        ['alpha', PALETTE[0]],
        ['zeta', PALETTE[1]],
        [OTHER, OTHER_COLOR],
      ]),
    );
    expect(colorsOf(['alpha', 'zeta']).get('zeta')).toBe(PALETTE[1]);
  });
});

describe('labels', () => {
  it('names buckets by the hour or the day, in UTC', () => {
    expect(bucketTick('2026-03-10T14:00', 'hour')).toBe('14:00');
    expect(bucketTick('2026-03-03T00:00', 'day')).toBe('3 Mar');
    expect(bucketTitle('2026-03-10T23:00', 'hour')).toBe('10 Mar, 23:00–00:00 UTC');
    expect(bucketTitle('2026-03-03T00:00', 'day')).toBe('Tue 3 Mar 2026 (UTC)');
  });

  it('says durations as people do', () => {
    expect([null, 45, 60, 200, 3600, 7199, 3 * 86_400 + 7200].map(duration)).toEqual(['—', '45 s', '1 min', '3 min 20 s', '1 h', '1 h 59 min', '3 d 2 h']);
  });
});
