import type { FrontendMessage } from '@hoop/pgwire';
import { type Cycle, type Execution, newExecution } from './cycles';
import type { Approval, BoundPortal } from './descriptions';
import type { SessionHooks, Verdict } from '../session/hooks';
import { type Judged, judgeSql, type PreparedChange } from './judge';
import { type PreparedStatement, PreparedStatements } from './prepared';
import type { HoldRequest } from './review-hold';
import { type PreparedOps, readPreparedOps } from './sql-prepared';
import { type ErrorFields, refusalError } from './sql-errors';

type Bind = FrontendMessage & { type: 'Bind' };
type Execute = FrontendMessage & { type: 'Execute' };

/** What a held Bind or Execute runs, as the session knew it when the hold began. */
export interface HoldContext {
  statement?: PreparedStatement;
  portal?: BoundPortal;
}

/** What the extended protocol needs from the session it runs in. */
export interface RoundIO {
  /** sends a message of `round` on to the target */
  forward(round: Cycle, raw: Uint8Array): void;
  /** a statement of `round` is about to run (its Execute goes next): it will have a record */
  running(exec: Execution): void;
  /** refuses a message of `round` (a Parse of statement `name`, or a Bind or Execute: null); the round is skipped to Sync */
  refuse(round: Cycle, name: string | null, err: ErrorFields): void;
  hold(request: HoldRequest<HoldContext>): void;
  recordRefusal(sql: string, verdict: Verdict): void;
  /** a statement was run, held or refused */
  counted(): void;
}

const notFound = (what: 'prepared statement' | 'portal', name: string): ErrorFields => ({
  severity: 'ERROR',
  code: what === 'portal' ? '34000' : '26000',
  message: name ? `${what} "${name}" does not exist` : `unnamed ${what} does not exist`,
});

/**
 * The prepared statements and portals of a session, and how the extended protocol runs them. A Parse prepares and
 * runs nothing; a Bind is judged by its statement's text — with what an `EXECUTE name` in it runs — and one that needs
 * review is held with its values; an Execute is judged again and runs under its Bind's approval while that one run
 * lasts (an Execute with a row limit fetches in parts), and is held anew after it. Nothing of an approval is kept
 * beyond its portal's run; only verdicts are (per text, by the hooks), and those do not depend on values.
 */
export class ExtendedProtocol {
  readonly statements = new PreparedStatements();
  private readonly portals = new Map<string, BoundPortal>();

  constructor(
    private readonly hooks: SessionHooks,
    private readonly io: RoundIO,
  ) {}

  judge(sql: string, ops: PreparedOps | null, round: Cycle | null, resolve = true): Judged {
    return judgeSql(sql, ops, { hooks: this.hooks, statements: this.statements, round, resolve });
  }

  /** allowed, or may be once reviewers approve */
  runnable(v: Verdict): boolean {
    return v.action === 'allow' || (v.action === 'review' && this.hooks.requestReview !== undefined);
  }

  /**
   * A message of the extended protocol, in `round`. `wait`: what it runs depends on answers to an earlier round not in
   * yet; nothing was done, and it is to be given again once they are.
   */
  message(round: Cycle, m: FrontendMessage): 'done' | 'wait' {
    switch (m.type) {
      case 'Parse':
        return this.parse(round, m);
      case 'Bind':
        return this.bind(round, m);
      case 'Execute':
        return this.execute(round, m);
      case 'Describe':
        round.describes.push({ target: (m.kind === 'S' ? this.statements.get(m.name) : this.portals.get(m.name)) ?? null });
        break;
      case 'Close': {
        if (m.kind === 'P') {
          this.portals.delete(m.name);
          round.closes.push(null);
          break;
        }
        const change = this.statements.remove(m.name, round);
        if (change) round.changes.push(change);
        round.closes.push(change);
        break;
      }
    }
    this.io.forward(round, m.raw);
    return 'done';
  }

  private parse(round: Cycle, m: FrontendMessage & { type: 'Parse' }): 'done' | 'wait' {
    const free = this.statements.free(m.name, round);
    if (free === 'unknown') return 'wait';
    if (free === 'taken') {
      this.io.refuse(round, m.name, { severity: 'ERROR', code: '42P05', message: `prepared statement "${m.name}" already exists` });
      return 'done';
    }
    const ops = readPreparedOps(m.sql);
    const { verdict } = this.judge(m.sql, ops, round, false);
    if (!this.runnable(verdict)) {
      this.io.counted();
      this.io.recordRefusal(m.sql, verdict);
      this.io.refuse(round, m.name, refusalError(verdict));
      return 'done';
    }
    const change = this.statements.create(m.name, m.sql, round, { paramTypes: m.paramTypes, ops });
    round.changes.push(change);
    round.parses.push(change);
    this.io.forward(round, m.raw);
    return 'done';
  }

  private bind(round: Cycle, m: Bind): 'done' | 'wait' {
    if (!this.statements.settled(m.statement, round)) return 'wait';
    const statement = this.statements.get(m.statement);
    if (!statement) {
      this.io.counted();
      this.portals.delete(m.portal);
      this.io.refuse(round, null, notFound('prepared statement', m.statement));
      return 'done';
    }
    const { verdict, runs, unsettled } = this.judge(statement.sql, statement.ops, round);
    if (unsettled) return 'wait';
    if (!this.runnable(verdict)) {
      this.io.counted();
      this.portals.delete(m.portal);
      this.io.recordRefusal(statement.sql, verdict);
      this.io.refuse(round, null, refusalError(verdict));
    } else if (verdict.action === 'review') {
      const params = { types: statement.paramTypes, formats: m.paramFormats, values: m.params };
      this.io.hold({ sql: statement.sql, subject: { sql: statement.definition ?? statement.sql, runs, params }, verdict, message: m, context: { statement } });
    } else {
      this.bindPortal(round, m, statement, null);
    }
    return 'done';
  }

  private bindPortal(round: Cycle, m: Bind, statement: PreparedStatement, approval: Approval | null): void {
    const params = { types: statement.paramTypes, formats: m.paramFormats, values: m.params };
    this.portals.set(m.portal, { statement, resultFormats: m.resultFormats, fields: null, params, approval, round });
    this.io.forward(round, m.raw);
  }

  private execute(round: Cycle, m: Execute): 'done' | 'wait' {
    const portal = this.portals.get(m.portal);
    const judged = portal ? this.judge(portal.statement.sql, portal.statement.ops, round) : null;
    if (judged?.unsettled) return 'wait';
    this.io.counted();
    if (!portal || !judged) {
      this.io.refuse(round, null, notFound('portal', m.portal));
      return 'done';
    }
    const { statement, params, approval } = portal;
    const { verdict } = judged;
    if (!this.runnable(verdict)) {
      this.io.recordRefusal(statement.sql, verdict);
      this.io.refuse(round, null, refusalError(verdict));
    } else if (verdict.action === 'allow') {
      this.runExecute(round, m, portal, judged, verdict);
    } else if (approval && approval.state !== 'spent') {
      this.runExecute(round, m, portal, judged, approvedVerdict(verdict, approval.reviewId));
    } else if (judged.error) {
      this.io.refuse(round, null, judged.error);
    } else {
      this.io.hold({
        sql: statement.sql,
        subject: { sql: statement.definition ?? statement.sql, runs: judged.runs, params },
        verdict,
        message: m,
        context: { portal },
      });
    }
    return 'done';
  }

  private runExecute(round: Cycle, m: Execute, portal: BoundPortal, judged: Judged, verdict: Verdict): void {
    if (judged.error) return this.io.refuse(round, null, judged.error);
    if (portal.approval?.state === 'unused') portal.approval.state = m.maxRows > 0 ? 'fetching' : 'spent';
    const exec = newExecution(portal.statement.sql, verdict, portal);
    round.executions.push(exec);
    this.io.running(exec);
    this.applyChanges(round, exec, judged.changes);
    this.io.forward(round, m.raw);
  }

  /**
   * A held Bind or Execute reviewers approved: sent on now, this once. What it runs must be what was reviewed: a
   * prepared statement or portal that changed meanwhile (its Parse failed, it was closed) is refused.
   */
  runApproved(round: Cycle, m: Bind | Execute, context: HoldContext, verdict: Verdict): void {
    if (m.type === 'Bind') {
      const statement = this.statements.get(m.statement);
      if (!statement || statement !== context.statement) return this.io.refuse(round, null, changed('prepared statement', m.statement));
      return this.bindPortal(round, m, statement, { reviewId: verdict.reviewId, state: 'unused' });
    }
    const portal = this.portals.get(m.portal);
    if (!portal || portal !== context.portal) return this.io.refuse(round, null, changed('portal', m.portal));
    portal.approval = { reviewId: verdict.reviewId, state: 'unused' };
    this.runExecute(round, m, portal, this.judge(portal.statement.sql, portal.statement.ops, round), verdict);
  }

  /** What a statement sent now does to prepared statements: made now, confirmed or undone when the target answers. */
  applyChanges(round: Cycle, exec: Execution, changes: PreparedChange[]): void {
    for (const c of changes) {
      const change = c.prepare
        ? this.statements.create(c.prepare.name, c.prepare.sql, round, { definition: c.prepare.definition, ops: c.prepare.ops })
        : c.deallocate !== undefined
          ? this.statements.remove(c.deallocate, round)
          : null;
      if (!change) continue;
      round.changes.push(change);
      exec.changes.push({ index: c.index, change });
    }
  }

  /** Outside a transaction block a portal ends with its round: those of rounds no longer in `open` are gone. */
  dropPortals(open: readonly Cycle[]): void {
    for (const [name, p] of this.portals) if (!open.includes(p.round as Cycle)) this.portals.delete(name);
  }
}

function approvedVerdict(v: Verdict, reviewId: string | undefined): Verdict {
  return { ...v, action: 'allow', ...(reviewId ? { reviewId } : {}) };
}

function changed(what: 'prepared statement' | 'portal', name: string): ErrorFields {
  return { severity: 'ERROR', code: what === 'portal' ? '34000' : '26000', message: `${what} "${name}" changed while its review was pending; it did not run` };
}
