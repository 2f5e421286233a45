/** What a Postgres session adds to the session's hooks (session/hooks.ts): a masker for the rows of each result. */
import type { MessageBuffer } from '@hoop/pgwire';
import type { SessionHooks } from '../session/hooks';

export interface ColumnInfo {
  name: string;
  tableOid: number;
  typeOid: number;
  format: number;
}

export interface RowMasker {
  /** writes the DataRow `src[start, end)` to `out` with its values masked (its own bytes when nothing changes) */
  writeRow(src: Buffer, start: number, end: number, out: MessageBuffer): void;
}

export interface PgSessionHooks extends SessionHooks {
  /** a masker for a result with these columns, or null when no column can hold PII */
  rowMasker(columns: ColumnInfo[]): RowMasker | null;
}

export const allowAll: PgSessionHooks = {
  judge: () => ({ action: 'allow' }),
  rowMasker: () => null,
  maskText: (t) => t,
  maskAudit: (t) => t,
  takeMaskCounts: () => ({}),
};
