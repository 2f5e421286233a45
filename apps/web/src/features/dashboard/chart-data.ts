/**
 * The dashboard's figures reshaped for the charts: one row per bucket with a column per series, zero where nothing
 * happened, and at most a handful of series (the rest folded into "Other") so colours stay tellable apart.
 */

export type Range = '24h' | '7d' | '30d';
export const RANGES: { value: Range; label: string; long: string }[] = [
  { value: '24h', label: '24 h', long: 'the last 24 hours' },
  { value: '7d', label: '7 d', long: 'the last 7 days' },
  { value: '30d', label: '30 d', long: 'the last 30 days' },
];
export const DEFAULT_RANGE: Range = '7d';
export const rangeLong = (r: Range): string => RANGES.find((x) => x.value === r)?.long ?? r;

/**
 * Categorical colours after Okabe and Ito's set, told apart with the common colour blindnesses and readable on white:
 * blue, orange, teal, fuchsia, amber, sky, slate, rose.
 */
export const PALETTE = ['#2563eb', '#ea580c', '#0d9488', '#c026d3', '#ca8a04', '#38bdf8', '#334155', '#e11d48'];
export const OTHER_COLOR = '#94a3b8';
export const OTHER = 'Other';

/** Keeps the `max` biggest names (by total) and folds the rest into "Other". */
export function topNames(totals: Map<string, number>, max: number): { names: string[]; folded: Set<string> } {
  const sorted = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
  if (sorted.length <= max) return { names: sorted, folded: new Set() };
  return { names: [...sorted.slice(0, max - 1), OTHER], folded: new Set(sorted.slice(max - 1)) };
}

/**
 * A colour per name, given in alphabetical order rather than by size, so a connection or rule keeps its colour when
 * the range changes and the order of the legend with it.
 */
export function colorsOf(names: string[]): Map<string, string> {
  const named = names.filter((n) => n !== OTHER).sort((a, b) => a.localeCompare(b));
  return new Map([...named.map((n, i): [string, string] => [n, PALETTE[i % PALETTE.length]!]), [OTHER, OTHER_COLOR]]);
}

export type ChartRow = { bucket: string } & Record<string, number | string>;

/** Sessions as rows of `people:<connection>` and `agents:<connection>` counts per bucket. */
export function sessionRows(buckets: string[], rows: { bucket: string; connection: string; people: number; agents: number }[], max = 6) {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.connection, (totals.get(r.connection) ?? 0) + r.people + r.agents);
  const { names, folded } = topNames(totals, max);
  const byBucket = new Map<string, ChartRow>(
    buckets.map((b) => [
      b,
      Object.fromEntries([
        ['bucket', b],
        ...names.flatMap((n) => [
          [`people:${n}`, 0],
          [`agents:${n}`, 0],
        ]),
      ]) as ChartRow,
    ]),
  );
  for (const r of rows) {
    const row = byBucket.get(r.bucket);
    if (!row) continue;
    const name = folded.has(r.connection) ? OTHER : r.connection;
    row[`people:${name}`] = (row[`people:${name}`] as number) + r.people;
    row[`agents:${name}`] = (row[`agents:${name}`] as number) + r.agents;
  }
  return { names, colors: colorsOf(names), data: [...byBucket.values()], hasAgents: rows.some((r) => r.agents > 0) };
}

/** Refusals as rows of counts per rule per bucket; a refusal without a rule is shown as "no rule". */
export const NO_RULE = 'no rule';
export function blockedRows(buckets: string[], rows: { bucket: string; rule: string | null; blocked: number }[], max = 6) {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.rule ?? NO_RULE, (totals.get(r.rule ?? NO_RULE) ?? 0) + r.blocked);
  const { names, folded } = topNames(totals, max);
  const byBucket = new Map<string, ChartRow>(buckets.map((b) => [b, Object.fromEntries([['bucket', b], ...names.map((n) => [n, 0])]) as ChartRow]));
  for (const r of rows) {
    const row = byBucket.get(r.bucket);
    const rule = r.rule ?? NO_RULE;
    const name = folded.has(rule) ? OTHER : rule;
    if (row) row[name] = (row[name] as number) + r.blocked;
  }
  return { names, colors: colorsOf(names), data: [...byBucket.values()] };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket's axis label: `14:00` by the hour, `3 Mar` by the day (UTC, as bucketed). */
export function bucketTick(bucket: string, unit: 'hour' | 'day'): string {
  if (unit === 'hour') return bucket.slice(11, 16);
  return `${Number(bucket.slice(8, 10))} ${MONTHS[Number(bucket.slice(5, 7)) - 1] ?? ''}`;
}

/** A bucket in full, for tooltips: `3 Mar 14:00–15:00 UTC` or `Tue 3 Mar 2026 (UTC)`. */
export function bucketTitle(bucket: string, unit: 'hour' | 'day'): string {
  const d = new Date(`${bucket}:00Z`);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  if (unit === 'hour') {
    const next = String((d.getUTCHours() + 1) % 24).padStart(2, '0');
    return `${day}, ${bucket.slice(11, 16)}–${next}:00 UTC`;
  }
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  return `${weekday} ${day} ${d.getUTCFullYear()} (UTC)`;
}

/** A duration in seconds as people say it: `45 s`, `3 min 20 s`, `1 h 5 min`, `2 d 3 h`. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)} h ${m} min` : `${Math.floor(s / 3600)} h`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return h ? `${Math.floor(s / 86_400)} d ${h} h` : `${Math.floor(s / 86_400)} d`;
}

export const count = (n: number): string => n.toLocaleString('en-US');
