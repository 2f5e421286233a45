import type { ColumnMasker, Masker } from '@hoop/pipeline';
import type { ColumnInfo, RowMasker } from './hooks';

/** Types whose binary format is their UTF-8 text (jsonb adds a version byte first). */
const BINARY_AS_TEXT = new Set([18, 19, 25, 114, 142, 705, 1042, 1043]);
const JSONB = 3802;
const INT8 = 20;

type Cell = (value: Uint8Array) => Uint8Array | string | null | undefined;

/** How one column's raw value is masked; `undefined` from a cell means unchanged. */
function cellFor(col: ColumnInfo, cm: ColumnMasker): Cell | null {
  if (cm.passthrough) return null;
  const viaText = (text: string) => {
    const masked = cm.mask(text);
    return masked === text ? undefined : masked;
  };
  if (col.format === 0 || BINARY_AS_TEXT.has(col.typeOid)) return (v) => viaText(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
  if (col.typeOid === JSONB) {
    return (v) => {
      const masked = viaText(Buffer.from(v.buffer, v.byteOffset + 1, v.byteLength - 1).toString('utf8'));
      return typeof masked === 'string' ? Buffer.concat([Buffer.from([1]), Buffer.from(masked)]) : masked;
    };
  }
  if (col.typeOid === INT8) return (v) => (v.byteLength === 8 ? viaText(Buffer.from(v.buffer, v.byteOffset, 8).readBigInt64BE().toString()) : null);
  // another binary type: it cannot be read here, so a column that may hold PII is withheld whole
  return () => null;
}

/**
 * Masks DataRow values for one result (one RowDescription). Columns that can never change are skipped without being
 * decoded; a row where nothing changed is relayed as the original bytes.
 */
export function rowMaskerFor(masker: Masker, columns: ColumnInfo[]): RowMasker | null {
  const cells = columns.map((c) => cellFor(c, masker.columnMasker({ name: c.name, typeOid: c.typeOid })));
  if (cells.every((c) => c === null)) return null;
  return {
    maskRow(values) {
      let out: (Uint8Array | string | null)[] | null = null;
      for (let i = 0; i < values.length; i++) {
        const cell = cells[i];
        const v = values[i];
        if (!cell || v === null || v === undefined) continue;
        const masked = cell(v);
        if (masked === undefined) continue;
        out ??= values.slice();
        out[i] = masked;
      }
      return out;
    },
  };
}
