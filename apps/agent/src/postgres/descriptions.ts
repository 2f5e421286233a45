import type { FieldDescription } from '@hoop/pgwire';
import type { ColumnInfo } from './hooks';
import type { PreparedStatement } from './prepared';
import type { BoundParams } from '../session/review-subject';

/**
 * What the extended protocol says about result columns, kept per prepared statement and per portal: a client may
 * describe a statement once and then run it many times with Bind/Execute and no Describe (JDBC does, past its prepare
 * threshold), and its rows come with no RowDescription in their round. They are masked after what was described.
 */

/** How far the one run an approval allows has gone: not started, fetching its rows in parts (Execute with a row limit), over. */
export interface Approval {
  reviewId: string | undefined;
  state: 'unused' | 'fetching' | 'spent';
}

/** A bound portal: its statement, the result formats Bind asked for, and its columns if the portal itself was described. */
export interface BoundPortal {
  statement: PreparedStatement;
  resultFormats: number[];
  fields: FieldDescription[] | null;
  /** the values it was bound with: a review of an Execute of it covers them */
  params: BoundParams;
  /** the approval its Bind was held for, if it was */
  approval: Approval | null;
  /** the round of its Bind: outside a transaction block the portal ends with that round */
  round: object;
}

/** A Describe waiting for its answer (RowDescription or NoData), in the order they were sent. */
export type PendingDescribe = { target: PreparedStatement | BoundPortal | null };

/** Columns of unknown name and type: values in text are searched for PII, binary ones (unreadable) withheld. */
function unknownColumns(count: number, format: (i: number) => number): ColumnInfo[] {
  return Array.from({ length: count }, (_, i) => ({ name: '?column?', tableOid: 0, typeOid: 0, format: format(i) }));
}

/** The format Bind asked for column `i`: none given means text, one means all, else one per column. */
function resultFormat(formats: number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
}

/**
 * The columns of a portal's rows: the portal's own description (it carries the formats), else its statement's with
 * the formats Bind asked for (a statement's description says text for every column), else columns of unknown name
 * and type, `count` of them, in the formats Bind asked for.
 */
export function portalColumns(portal: BoundPortal | null, count: number): ColumnInfo[] {
  if (portal?.fields) return portal.fields.map((f) => ({ name: f.name, tableOid: f.tableOid, typeOid: f.typeOid, format: f.format }));
  const stmt = portal?.statement?.fields;
  if (portal && stmt) return stmt.map((f, i) => ({ name: f.name, tableOid: f.tableOid, typeOid: f.typeOid, format: resultFormat(portal.resultFormats, i) }));
  return unknownColumns(count, (i) => (portal ? resultFormat(portal.resultFormats, i) : 0));
}
