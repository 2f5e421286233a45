import { type BinaryValue, type ColumnDefinition, parseBinaryRow, rewriteTextRow, TYPE, textRowCells, writeBinaryRow } from '@hoop/mysqlwire';
import type { ColumnMasker } from '@hoop/pipeline';

/** What masking needs of the policy: a masker per column (session/policy-hooks.ts's columnMasker). */
export type ColumnMaskerFor = (column: { name: string; table?: string; typeOid?: number }) => ColumnMasker;

/** Rewrites the rows of one result set with their values masked; null when no column can change. */
export interface RowMasker {
  /** the row's payload, masked (the same buffer when nothing changed) */
  text(payload: Buffer): Buffer;
  binary(payload: Buffer): Buffer;
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
 * A row masker for a result with these columns. Text rows: each value is masked as text and the row re-encoded with
 * the new lengths. Binary rows: string-like values are masked as text; a number or date a detector changes cannot be
 * written as its type, so it is withheld (NULL).
 */
export function rowMaskerFor(columnMasker: ColumnMaskerFor, columns: ColumnDefinition[]): RowMasker | null {
  const maskers = columns.map((c) => columnMasker({ name: c.name, ...(c.orgTable ? { table: c.orgTable } : {}), typeOid: typeOidOf(c) }));
  if (maskers.every((m) => m.passthrough)) return null;
  let cells = new Int32Array(2 * columns.length);
  // the values a row's masking replaces, by column (undefined: kept); cleared after each row
  const replaced: (Uint8Array | string | null | undefined)[] = new Array(columns.length).fill(undefined);
  return {
    text(payload) {
      if (cells.length < 2 * columns.length) cells = new Int32Array(2 * columns.length);
      textRowCells(payload, columns.length, cells);
      let changed = false;
      for (let i = 0; i < columns.length; i++) {
        const from = cells[2 * i]!;
        if (maskers[i]!.passthrough || from < 0) continue;
        const r = maskers[i]!.maskUtf8(payload, from, cells[2 * i + 1]!);
        if (r === undefined) continue;
        replaced[i] = r;
        changed = true;
      }
      if (!changed) return payload;
      // one buffer per masked row, the unchanged values copied as runs of bytes
      const row = rewriteTextRow(payload, cells, replaced);
      replaced.fill(undefined);
      return row;
    },
    binary(payload) {
      const values = parseBinaryRow(payload, columns);
      let changed = false;
      const out = values.map((v, i): BinaryValue => {
        const m = maskers[i]!;
        if (m.passthrough || v === null) return v;
        if (Buffer.isBuffer(v)) {
          const r = m.maskUtf8(v, 0, v.length);
          if (r === undefined) return v;
          changed = true;
          return r === null ? null : Buffer.from(r);
        }
        const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
        if (m.mask(text) === text) return v;
        changed = true;
        return null;
      });
      return changed ? writeBinaryRow(columns, out) : payload;
    },
  };
}
