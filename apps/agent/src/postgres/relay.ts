import { BLOCKED_PREFIX } from '@hoop/protocol';
import { type BackendMessage, errorResponse, type FrontendMessage, readyForQuery } from '@hoop/pgwire';
import { abortParse, abortQuery, mustAbort } from './abort-transaction';
import { TargetAnswers } from './answers';
import { type Cycle, type Execution, newCycle, newExecution } from './cycles';
import { ExtendedProtocol, type HoldContext } from './extended';
import type { Verdict } from '../session/hooks';
import type { PgSessionHooks } from './hooks';
import type { PreparedChange } from './judge';
import type { RelayOutput } from './relay-output';
import { type HeldMessage, type HoldRequest, ReviewHolds } from './review-hold';
import { readPreparedOps } from './sql-prepared';
import { type ErrorFields, refusalError } from './sql-errors';

/** The name of the stand-in Parse for a refused Bind or Execute: a named Parse that fails leaves every statement as it was. */
const STAND_IN = 'hoop_refused';
/** Client bytes a session may queue while it waits for the target to answer earlier rounds. */
const MAX_WAITING_INPUT = 16 * 1024 * 1024;

/**
 * The ready phase of a Postgres session: client messages are judged and forwarded, target messages relayed (rows
 * masked). Refusals are answered in protocol order — after the target's answers to what was sent before them — and
 * an extended-protocol refusal discards messages up to Sync, as a server error does, so the client recovers there.
 * A refusal inside a transaction aborts it, as a server error does (abort-transaction.ts).
 *
 * Every run is judged: a simple query when it arrives; a prepared statement when it is bound (with its values) and
 * again whenever a portal of it is executed; an `EXECUTE name` by the statement it runs (judge.ts). A statement that
 * needs review is held with what it runs with — the values of its Bind — and an approval lets that one Bind's portal run
 * once: binding the statement again, executing the portal again after its run, or sending the query again asks anew.
 */
export class QueryRelay {
  private readonly cycles: Cycle[] = [];
  private batch: Cycle | null = null;
  private skipping = false;
  private txStatus: 'I' | 'T' | 'E';
  private readonly extended: ExtendedProtocol;
  private readonly answers: TargetAnswers;
  private readonly holds: ReviewHolds<HoldContext>;
  /** client messages that wait for answers to earlier rounds (what the first runs depends on them), in order */
  private waiting: { queue: FrontendMessage[]; bytes: number } | null = null;
  /** statements queued for the target since the last write to it, their record texts not masked yet (`sent`) */
  private unmasked: Execution[] = [];
  statementCount = 0;
  /** values masked in this session so far, by type */
  readonly maskedTotals: Record<string, number> = {};

  constructor(
    private readonly out: RelayOutput,
    private readonly hooks: PgSessionHooks,
    txStatus: 'I' | 'T' | 'E',
  ) {
    this.txStatus = txStatus;
    this.extended = new ExtendedProtocol(hooks, {
      forward: (round, raw) => {
        round.forwarded = true;
        out.toTarget(raw);
      },
      running: (exec) => this.unmasked.push(exec),
      refuse: (round, name, err) => this.refuseInBatch(round, name, err),
      hold: (request) => this.holds.start(request),
      recordRefusal: (sql, verdict) => this.recordRefusal(sql, verdict),
      counted: () => this.statementCount++,
    });
    this.answers = new TargetAnswers(this.cycles, hooks, out, this.maskedTotals, (status) => this.roundOver(status));
    this.holds = new ReviewHolds<HoldContext>(out, hooks, {
      runApproved: (request, verdict) => this.runApproved(request, verdict),
      refuseHeld: (m, err) => (m.type === 'Query' ? this.refuse(err) : this.refuseInBatch(this.round(), null, err)),
      replay: (m) => this.fromClient(m),
    });
  }

  // ── client → target ──────────────────────────────────────────────────────────────────────────────────────────────
  fromClient(m: FrontendMessage): 'continue' | 'terminate' {
    this.answers.forgetRowExecution();
    if (this.waiting) return this.wait(m);
    if (this.holds.active) return this.holds.queue(m);
    switch (m.type) {
      case 'Query':
        return this.query(m) === 'wait' ? this.wait(m) : 'continue';
      case 'Parse':
      case 'Bind':
      case 'Describe':
      case 'Execute':
      case 'Close':
      case 'Flush':
        return !this.skipping && this.extended.message(this.round(), m) === 'wait' ? this.wait(m) : 'continue';
      case 'Sync':
        this.round();
        this.batch = null;
        this.skipping = false;
        this.out.toTarget(m.raw);
        return 'continue';
      case 'CopyData':
      case 'CopyDone':
      case 'CopyFail':
        this.out.toTarget(m.raw);
        return 'continue';
      case 'FunctionCall':
        this.refuse({
          severity: 'ERROR',
          code: '42501',
          message: `${BLOCKED_PREFIX}: function calls over the fast-path protocol are not allowed`,
          hint: 'call the function from a SQL statement instead',
        });
        return 'continue';
      case 'Terminate':
        this.out.toTarget(m.raw);
        return 'terminate';
      default:
        this.refuse({ severity: 'ERROR', code: '08P01', message: `unexpected ${m.type} message during a session` });
        return 'continue';
    }
  }

  private openCycle(kind: Cycle['kind']): Cycle {
    const c = newCycle(kind);
    this.cycles.push(c);
    return c;
  }

  /** the extended-protocol round in progress */
  private round(): Cycle {
    return (this.batch ??= this.openCycle('batch'));
  }

  private query(m: FrontendMessage & { type: 'Query' }): 'done' | 'wait' {
    const { sql } = m;
    const judged = this.extended.judge(sql, readPreparedOps(sql), null);
    if (judged.unsettled) return 'wait';
    this.statementCount++;
    const { verdict } = judged;
    if (!this.extended.runnable(verdict)) {
      this.recordRefusal(sql, verdict);
      this.refuse(refusalError(verdict));
    } else if (judged.error) {
      this.refuse(judged.error);
    } else if (verdict.action === 'review') {
      this.holds.start({ sql, subject: { sql, runs: judged.runs }, verdict, message: m, context: {} });
    } else {
      this.runQuery(m, verdict, judged.changes);
    }
    return 'done';
  }

  /**
   * What a message runs depends on answers to earlier rounds not in yet (a statement an earlier round replaced, which
   * the target keeps if that round failed): it and everything after it wait for them, bounded, then go on in order.
   */
  private wait(m: FrontendMessage): 'continue' | 'terminate' {
    if (m.type === 'Terminate') {
      this.waiting = null;
      this.out.toTarget(m.raw);
      return 'terminate';
    }
    if (m.type === 'CopyData' || m.type === 'CopyDone' || m.type === 'CopyFail') {
      // the rows of a COPY an earlier round started: that round cannot end without them
      this.out.toTarget(m.raw);
      return 'continue';
    }
    const w = (this.waiting ??= { queue: [], bytes: 0 });
    w.queue.push(m);
    w.bytes += m.raw.length;
    if (w.bytes <= MAX_WAITING_INPUT) return 'continue';
    this.waiting = null;
    this.out.client.append(
      errorResponse({ severity: 'FATAL', code: '54000', message: 'too much input queued while waiting for the database to answer earlier requests' }),
    );
    return 'terminate';
  }

  /** Earlier rounds are answered: what waited for them goes on. */
  private resume(): void {
    if (!this.waiting || !this.cycles.every((c) => c === this.batch)) return;
    const { queue } = this.waiting;
    this.waiting = null;
    for (const m of queue) {
      if (this.fromClient(m) === 'terminate') {
        this.out.flush();
        this.out.terminate();
        return;
      }
    }
    this.out.flush();
  }

  private runQuery(m: FrontendMessage & { type: 'Query' }, verdict: Verdict, changes: PreparedChange[]): void {
    const cycle = this.openCycle('query');
    const exec = newExecution(m.sql, verdict);
    cycle.executions.push(exec);
    this.unmasked.push(exec);
    this.extended.applyChanges(cycle, exec, changes);
    this.out.toTarget(m.raw);
  }

  /** A statement reviewers approved: sent on now, as if it had just arrived allowed, this once. */
  private runApproved(request: HoldRequest<HoldContext>, verdict: Verdict): void {
    this.answers.forgetRowExecution();
    const m: HeldMessage = request.message;
    if (m.type !== 'Query') return this.extended.runApproved(this.round(), m, request.context, verdict);
    const again = this.extended.judge(m.sql, readPreparedOps(m.sql), null);
    if (again.error) return this.refuse(again.error);
    this.runQuery(m, verdict, again.changes);
  }

  /**
   * A refused Parse (of statement `name`), Bind or Execute (`name` null): the rest of the batch is discarded up to Sync,
   * as after a server error. When the target has a transaction open, or may have, a stand-in fails there in the refused
   * message's place and aborts it; the client gets `err` in place of the stand-in's error, in protocol order.
   */
  private refuseInBatch(batch: Cycle, name: string | null, err: ErrorFields): void {
    this.skipping = true;
    if (mustAbort(this.txStatus, batch.forwarded || this.cycles.length > 1)) {
      const { probe, raw } = abortParse(name ?? STAND_IN, !batch.forwarded);
      // a failed unnamed Parse drops the unnamed statement there: here too
      if (name === '') this.extended.statements.forget('');
      batch.abort = probe;
      batch.inject = err;
      batch.forwarded = true;
      this.out.toTarget(raw);
      return;
    }
    // nothing of this round is with the target, which has no transaction open: answer now, as a server would, so a
    // client that sends Flush and waits (cursors do) gets its error without a Sync
    this.out.client.append(errorResponse(err));
  }

  /**
   * A refused simple query or fast-path call: answered now when the target is idle outside a transaction; otherwise a
   * stand-in query fails at the target in its place, aborting the transaction it has open (or may have: answers to
   * earlier rounds are still on their way), and the client gets `err` and the target's ReadyForQuery, in order.
   */
  private refuse(err: ErrorFields): void {
    if (!mustAbort(this.txStatus, this.cycles.length > 0)) {
      this.out.client.append(errorResponse(err));
      this.out.client.append(readyForQuery(this.txStatus));
      return;
    }
    const { probe, raw } = abortQuery();
    const cycle = this.openCycle('abort');
    cycle.abort = probe;
    cycle.inject = err;
    this.out.toTarget(raw);
  }

  private recordRefusal(sql: string, verdict: Verdict): void {
    this.out.audit('statement', {
      sql: this.hooks.maskAudit(sql),
      decision: verdict.action,
      ruleId: verdict.ruleId ?? null,
      reason: verdict.message ?? null,
      statements: verdict.statements ?? null,
      executed: false,
    });
  }

  /**
   * What was queued for the target has been written to it: the texts of the statements it now runs are masked for
   * their records while it runs them, rather than between its answer and the client's (a new literal is a new text to
   * mask: each of a simple-protocol client's statements, mostly).
   */
  sent(): void {
    if (this.unmasked.length === 0) return;
    const sent = this.unmasked;
    this.unmasked = [];
    for (const e of sent) e.auditSql = this.hooks.maskAudit(e.sql);
  }

  /** A statement waits for reviewers; what the client sends meanwhile waits behind it. */
  get holding(): boolean {
    return this.holds.active;
  }

  /** Client bytes not passed on yet: held for review, queued behind a held statement or for answers to earlier rounds. */
  get heldBytes(): number {
    return this.holds.heldBytes + (this.waiting?.bytes ?? 0);
  }

  /** Every request sent to the target has been answered (its ReadyForQuery relayed). */
  get idle(): boolean {
    return this.cycles.length === 0;
  }

  /** The session is over: a held statement will never run. */
  dispose(): void {
    this.waiting = null;
    this.holds.dispose();
  }

  // ── target → client ──────────────────────────────────────────────────────────────────────────────────────────────
  /** A DataRow from the target as the bytes `src[start, end)` (see `BackendParser.push`). */
  dataRow(src: Buffer, start: number, end: number): void {
    this.answers.dataRow(src, start, end);
  }

  fromTarget(m: BackendMessage): void {
    this.answers.fromTarget(m);
  }

  /** A round is over, its ReadyForQuery relayed. Outside a transaction block no portal outlives its round. */
  private roundOver(status: 'I' | 'T' | 'E'): void {
    this.txStatus = status;
    if (status === 'I') this.extended.dropPortals(this.cycles);
    this.resume();
  }
}
