import { PgType } from '@hoop/pgwire';

/** Plain aligned table for listings. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers.map((h) => h.toUpperCase())), ...rows.map(line)].join('\n')}\n`;
}

const NUMERIC_OIDS: ReadonlySet<number> = new Set([
  PgType.int8,
  PgType.int2,
  PgType.int4,
  PgType.oid,
  PgType.float4,
  PgType.float8,
  PgType.numeric,
  PgType.money,
]);

/** A result the way psql prints it: centred headers, `|` separators, numbers right-aligned, `(N rows)`. */
export function formatPsql(fields: { name: string; dataTypeID: number }[], rows: unknown[][]): string {
  const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const cells = rows.map((r) => r.map(text));
  const widths = fields.map((f, i) => Math.max(displayWidth(f.name), ...cells.map((r) => maxLineWidth(r[i] ?? ''))));
  const header = fields.map((f, i) => center(f.name, widths[i]!)).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const body = cells.map((r) =>
    r
      .map((c, i) => (NUMERIC_OIDS.has(fields[i]!.dataTypeID) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd(),
  );
  const count = `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`;
  return `${[` ${header}`.trimEnd(), `-${rule}-`, ...body.map((b) => ` ${b}`), count].join('\n')}\n`;
}

function displayWidth(s: string): number {
  return [...s].length;
}

function maxLineWidth(s: string): number {
  return Math.max(...s.split('\n').map(displayWidth));
}

function center(s: string, width: number): string {
  const pad = width - displayWidth(s);
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}
