import { COM, type ResponseKind } from '@hoop/mysqlwire';
import type { Verdict } from '../session/hooks';

/** The commands the relay carries, and the answer each gets (null: none); any other command is refused. */
export const ANSWER: Record<number, ResponseKind | null> = {
  [COM.QUERY]: 'query',
  [COM.STMT_PREPARE]: 'prepare',
  [COM.STMT_EXECUTE]: 'execute',
  [COM.STMT_FETCH]: 'fetch',
  [COM.STMT_CLOSE]: null,
  [COM.STMT_SEND_LONG_DATA]: null,
  [COM.STMT_RESET]: 'ok',
  [COM.INIT_DB]: 'ok',
  [COM.PING]: 'ok',
  [COM.RESET_CONNECTION]: 'ok',
  [COM.SET_OPTION]: 'ok',
  [COM.PROCESS_KILL]: 'ok',
  [COM.STATISTICS]: 'statistics',
  [COM.FIELD_LIST]: 'fieldList',
};

/** The command the target is answering: what the relay records of it when the answer ends. */
export type Current = {
  kind: ResponseKind;
  statementId: number;
  sql: string | null;
  verdict: Verdict | null;
  error: string | null;
  /** when it went to the target (performance.now()), the rows it returned or changed, the bytes of its rows */
  started: number;
  rows: number;
  bytes: number;
  /** its text as its record shows it (masked), made while the target runs it */
  auditSql?: string;
  /** the rest of the answer is not the client's (it was answered already: a refused LOCAL INFILE request) */
  discard?: boolean;
};

/** The record of an allowed statement whose answer has ended (masked: its text, its error). */
export function answerRecord(c: Current, sql: string, verdict: Verdict, masked: Record<string, number>, maskAudit: (t: string) => string) {
  return {
    sql: c.auditSql ?? maskAudit(sql),
    decision: verdict.reviewId ? 'approved' : 'allow',
    ...(verdict.reviewId ? { reviewId: verdict.reviewId } : {}),
    statements: verdict.statements ?? null,
    executed: true,
    rows: c.rows,
    bytes: c.bytes,
    durationMs: Math.round((performance.now() - c.started) * 1000) / 1000,
    masked,
    ...(c.error ? { error: maskAudit(c.error) } : {}),
  };
}
