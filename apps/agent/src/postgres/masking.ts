import { binaryFormatIsText, dataRowCells, dataRowColumnCount, errorResponse, noticeResponse, PgType } from '@hoop/pgwire';
import type { ColumnMasker, Masker } from '@hoop/pipeline';
import type { PolicyHooks } from '../session/policy-hooks';
import type { ColumnInfo, PgSessionHooks, RowMasker } from './hooks';

const JSONB_VERSION = Buffer.from([1]);

/** How one column's value `src[start, end)` is masked: `undefined` means unchanged, null SQL NULL. */
type Cell = (src: Buffer, start: number, end: number) => Uint8Array | string | null | undefined;

function cellFor(col: ColumnInfo, cm: ColumnMasker): Cell | null {
  if (cm.passthrough) return null;
  if (col.format === 0 || binaryFormatIsText(col.typeOid)) return (src, start, end) => cm.maskUtf8(src, start, end);
  if (col.typeOid === PgType.jsonb) {
    return (src, start, end) => {
      // a binary jsonb value is a version byte and the text; anything else cannot be read, so it is withheld
      if (end - start < 1 || src[start] !== 1) return null;
      const masked = cm.maskUtf8(src, start + 1, end);
      return typeof masked === 'string' ? Buffer.concat([JSONB_VERSION, Buffer.from(masked, 'utf8')]) : masked;
    };
  }
  if (col.typeOid === PgType.int8) {
    return (src, start, end) => {
      if (end - start !== 8) return null;
      const text = src.readBigInt64BE(start).toString();
      const masked = cm.mask(text);
      return masked === text ? undefined : masked;
    };
  }
  // another binary type: it cannot be read here, so a column that may hold PII is withheld whole
  return () => null;
}

/**
 * Masks DataRows for one result (one RowDescription), reading values in place: columns that can never change are
 * skipped without being looked at, values no detector could match are not decoded, and a row where nothing changed
 * is relayed as its own bytes.
 */
export function rowMaskerFor(masker: Pick<Masker, 'columnMasker'>, columns: ColumnInfo[]): RowMasker | null {
  const cells = columns.map((c) => cellFor(c, masker.columnMasker({ name: c.name, typeOid: c.typeOid })));
  if (cells.every((c) => c === null)) return null;
  let bounds = new Int32Array(2 * cells.length);
  const results: (Uint8Array | string | null | undefined)[] = new Array(cells.length).fill(undefined);
  return {
    writeRow(src, start, end, out) {
      // a row with more values than the description announced still has every value checked and read in place
      const count = dataRowColumnCount(src, start);
      if (2 * count > bounds.length && count * 4 <= end - start - 7) bounds = new Int32Array(2 * count);
      const n = dataRowCells(src, start, end, bounds);
      let changed = false;
      for (let i = 0; i < n; i++) {
        const cell = i < cells.length ? cells[i] : null;
        const from = bounds[2 * i]!;
        if (!cell || from < 0) {
          results[i] = undefined;
          continue;
        }
        const r = cell(src, from, bounds[2 * i + 1]!);
        results[i] = r;
        if (r !== undefined) changed = true;
      }
      if (!changed) {
        out.appendRange(src, start, end);
        return;
      }
      // unchanged values go over with their length fields, as runs of bytes between the values that changed
      out.beginDataRow(n);
      let copied = start + 7;
      for (let i = 0; i < n; i++) {
        const r = results[i];
        if (r === undefined) continue;
        results[i] = undefined;
        out.appendRange(src, copied, bounds[2 * i]! - 4);
        if (r === null) out.cellNull();
        else if (typeof r === 'string') out.cellText(r);
        else out.cellBytes(r);
        copied = bounds[2 * i + 1]!;
      }
      out.appendRange(src, copied, end);
      out.endDataRow();
    },
  };
}

/** A Postgres session's hooks from the policy's: each result's rows masked by the policy's column maskers. */
export function pgHooks(hooks: PolicyHooks): PgSessionHooks {
  return { ...hooks, rowMasker: (columns) => rowMaskerFor(hooks, columns) };
}

/**
 * An ErrorResponse or NoticeResponse with its texts (message, detail, hint, where) masked: the target may echo values
 * in them (`Key (email)=(ann@example.com) already exists`). The message's own bytes when nothing changed.
 */
export function maskNoticeFields(fields: Record<string, string>, raw: Uint8Array, kind: 'error' | 'notice', maskText: (text: string) => string): Uint8Array {
  let changed = false;
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    const masked = k === 'M' || k === 'D' || k === 'H' || k === 'W' ? maskText(v) : v;
    if (masked !== v) changed = true;
    next[k] = masked;
  }
  if (!changed) return raw;
  const f = {
    severity: (next.S ?? 'ERROR') as 'ERROR',
    code: next.C ?? 'XX000',
    message: next.M ?? '',
    ...(next.D ? { detail: next.D } : {}),
    ...(next.H ? { hint: next.H } : {}),
  };
  return kind === 'error' ? errorResponse(f) : noticeResponse(f);
}
