import type { BoundParam, StatementParams } from '@hoop/mysqlwire';

/** A prepared statement whose runs need approval: held at each COM_STMT_EXECUTE, with the values bound to it. */
export interface ReviewedStatement {
  sql: string;
  paramCount: number;
  /** the types its last execute sent to the target bound, for an execute that binds none */
  types?: Pick<BoundParam, 'type' | 'unsigned'>[];
  /** parameters given with COM_STMT_SEND_LONG_DATA since its last execute or reset */
  longData: Set<number>;
}

/**
 * The session's prepared statements that need approval to run, by the id the target gave them. Preparing one runs
 * nothing, so the prepare goes through; every execute is held with its values (relay.ts). Statements that run
 * without approval are not kept here.
 */
export class ReviewedStatements {
  private readonly byId = new Map<number, ReviewedStatement>();

  prepared(id: number, sql: string, paramCount: number): void {
    this.byId.set(id, { sql, paramCount, longData: new Set() });
  }

  get(id: number): ReviewedStatement | undefined {
    return this.byId.get(id);
  }

  /** what parseCommand needs to read an execute of it */
  params(s: ReviewedStatement): StatementParams {
    return { paramCount: s.paramCount, ...(s.types ? { types: s.types } : {}), longData: s.longData };
  }

  /** A command about statement `id` went to the target (close, reset, long data); an execute that ran: `executed`. */
  sent(com: 'close' | 'reset' | 'longData', id: number, paramId?: number): void {
    const s = this.byId.get(id);
    if (!s) return;
    if (com === 'close') this.byId.delete(id);
    else if (com === 'reset') s.longData.clear();
    else if (paramId !== undefined) s.longData.add(paramId);
  }

  executed(s: ReviewedStatement, params: readonly BoundParam[], newParamsBound: boolean): void {
    if (newParamsBound) s.types = params.map((p) => ({ type: p.type, unsigned: p.unsigned }));
    s.longData.clear();
  }

  /** COM_RESET_CONNECTION: the target forgets every prepared statement */
  clear(): void {
    this.byId.clear();
  }
}
