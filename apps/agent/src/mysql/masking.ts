import {
  binaryCells,
  binaryLayout,
  binaryValueText,
  CELL_ENTRIES,
  type ColumnDefinition,
  type Replacement,
  rewriteRowInto,
  rewrittenSize,
  TYPE,
  textCells,
} from '@hoop/mysqlwire';
import type { ColumnMasker } from '@hoop/pipeline';

/** What masking needs of the policy: a masker per column (session/policy-hooks.ts's columnMasker). */
export type ColumnMaskerFor = (column: { name: string; table?: string; typeOid?: number }) => ColumnMasker;

/**
 * Masks the rows of one result set where they lie (in the chunk read from the target): `mask` finds the values and
 * masks them, `writeInto` writes the masked row where the caller wants it (the batch going to the client). Null when
 * no column can change.
 */
export interface RowMasker {
  /** masks the row `buf[start, end)`: -1 when nothing changed, else the size of the masked row `writeInto` writes */
  mask(buf: Buffer, start: number, end: number, binary: boolean): number;
  /** writes the row `mask` last changed into `out` at `at`; returns where it ended */
  writeInto(out: Buffer, at: number): number;
}

/** The Postgres type the masker knows a MySQL column by (text, numbers, dates), so the same rules apply. */
function typeOidOf(c: ColumnDefinition): number {
  switch (c.type) {
    case TYPE.TINY:
    case TYPE.SHORT:
    case TYPE.LONG:
    case TYPE.INT24:
    case TYPE.LONGLONG:
    case TYPE.YEAR:
      return 20;
    case TYPE.FLOAT:
    case TYPE.DOUBLE:
      return 701;
    case TYPE.DECIMAL:
    case TYPE.NEWDECIMAL:
      return 1700;
    case TYPE.DATE:
    case TYPE.NEWDATE:
      return 1082;
    case TYPE.DATETIME:
    case TYPE.DATETIME2:
    case TYPE.TIMESTAMP:
    case TYPE.TIMESTAMP2:
      return 1114;
    case TYPE.TIME:
    case TYPE.TIME2:
      return 1083;
    case TYPE.JSON:
      return 114;
    default:
      return 25;
  }
}

/**
 * A row masker for a result with these columns, decided once per result set from their definitions: columns no
 * detector can change (numbers, dates, allow-listed: `passthrough`) are never looked at. Text rows: each value is
 * masked as text. Binary rows: string-like values are masked as text; a number or date a detector changes cannot be
 * written as its type, so it is withheld (NULL).
 */
export function rowMaskerFor(columnMasker: ColumnMaskerFor, columns: ColumnDefinition[]): RowMasker | null {
  const maskers = columns.map((c) => columnMasker({ name: c.name, ...(c.orgTable ? { table: c.orgTable } : {}), typeOid: typeOidOf(c) }));
  const active = maskers.flatMap((m, i) => (m.passthrough ? [] : [i]));
  if (active.length === 0) return null;
  const layouts = Int32Array.from(columns, (c) => binaryLayout(c.type));
  const cells = new Int32Array(CELL_ENTRIES * columns.length);
  // the values a row's masking replaces, by column (undefined: kept); cleared once the row is written
  const replaced: Replacement[] = new Array(columns.length).fill(undefined);
  // a replacement that comes back the same (`[EMAIL]`) is written from its bytes, not encoded again
  const lastText: (string | undefined)[] = new Array(columns.length).fill(undefined);
  const lastBytes: (Buffer | undefined)[] = new Array(columns.length).fill(undefined);
  // the row `mask` changed last (kept apart, not as an object per row)
  let rowBuf: Buffer = Buffer.alloc(0);
  let rowStart = 0;
  let rowEnd = 0;
  let rowBinary = false;
  const bytesOf = (i: number, r: string): string | Buffer => {
    if (r !== lastText[i]) {
      lastText[i] = r;
      lastBytes[i] = undefined;
      return r;
    }
    return (lastBytes[i] ??= Buffer.from(r, 'utf8'));
  };
  return {
    mask(buf, start, end, binary) {
      if (binary) binaryCells(buf, start, end, layouts, cells);
      else textCells(buf, start, end, columns.length, cells);
      let changed = false;
      for (const i of active) {
        const from = cells[CELL_ENTRIES * i + 1]!;
        if (from < 0) continue;
        const m = maskers[i]!;
        let r: Replacement;
        if (binary && layouts[i] !== -1) {
          // a number, date or time: masked by its text, withheld when that changes
          const text = binaryValueText(buf, cells, i, columns[i]!.type, columns[i]!.flags) ?? '';
          r = m.mask(text) === text ? undefined : null;
        } else {
          const masked = m.maskUtf8(buf, from, cells[CELL_ENTRIES * i + 2]!);
          r = typeof masked === 'string' ? bytesOf(i, masked) : masked;
        }
        if (r === undefined) continue;
        replaced[i] = r;
        changed = true;
      }
      if (!changed) return -1;
      rowBuf = buf;
      rowStart = start;
      rowEnd = end;
      rowBinary = binary;
      return rewrittenSize(start, end, cells, replaced, binary);
    },
    writeInto(out, at) {
      const pos = rewriteRowInto(rowBuf, rowStart, rowEnd, cells, replaced, rowBinary, out, at);
      for (const i of active) replaced[i] = undefined;
      return pos;
    },
  };
}
