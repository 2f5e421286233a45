import { COM, type ColumnDefinition } from '@hoop/mysqlwire';
import type { Verdict } from '../session/hooks';
import { ReviewedStatements } from './held-statements';

/**
 * What the relay knows of the session's prepared statements, by the id the target gave them: the text and verdict of
 * each one allowed (its executes are recorded as that statement), the ones that need approval to run (held at each
 * execute, held-statements.ts), the columns of each one's last execute (for the rows COM_STMT_FETCH brings from its
 * cursor), and the one prepared last (MariaDB's statement id 0xFFFFFFFF names it).
 */
export class PreparedStatements {
  readonly reviewed = new ReviewedStatements();
  private readonly allowed = new Map<number, { sql: string; verdict: Verdict }>();
  private readonly cursorColumns = new Map<number, ColumnDefinition[]>();
  private lastPrepared: number | null = null;

  /** The statement a COM_STMT_* names: MariaDB's id 0xFFFFFFFF is the statement prepared last, judged and held as such. */
  idOf(payload: Buffer): number {
    const id = payload.length >= 5 ? payload.readUInt32LE(1) : 0;
    return id === 0xffffffff && this.lastPrepared !== null ? this.lastPrepared : id;
  }

  /** The target prepared `sql` (judged `verdict`) as statement `id`, with `params` parameters. */
  prepared(id: number, params: number, sql: string | null, verdict: Verdict | null): void {
    this.lastPrepared = id;
    if (sql === null || !verdict) return;
    if (verdict.action === 'review') this.reviewed.prepared(id, sql, params);
    else this.allowed.set(id, { sql, verdict });
  }

  /** The text and verdict of allowed statement `id`, for the record of an execute of it. */
  allowedStatement(id: number): { sql: string; verdict: Verdict } | undefined {
    return this.allowed.get(id);
  }

  /** Command `payload` about statement `id` goes to the target: a close, reset, long data or connection reset changes what it knows. */
  sent(payload: Buffer, id: number): void {
    const com = payload[0];
    if (com === COM.STMT_CLOSE) {
      this.reviewed.sent('close', id);
      this.allowed.delete(id);
      this.cursorColumns.delete(id);
    } else if (com === COM.STMT_RESET) this.reviewed.sent('reset', id);
    else if (com === COM.STMT_SEND_LONG_DATA && payload.length >= 7) this.reviewed.sent('longData', id, payload.readUInt16LE(5));
    else if (com === COM.RESET_CONNECTION) {
      // the target forgets every prepared statement
      this.reviewed.clear();
      this.allowed.clear();
      this.cursorColumns.clear();
    }
  }

  /** An execute of statement `id` answered with `columns`: the rows a fetch brings from its cursor have them. */
  executed(id: number, columns: ColumnDefinition[]): void {
    this.cursorColumns.set(id, columns);
  }

  /** The columns of the rows a fetch from statement `id`'s cursor brings. */
  cursor(id: number): ColumnDefinition[] {
    return this.cursorColumns.get(id) ?? [];
  }
}
