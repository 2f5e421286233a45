import { BLOCKED_PREFIX } from '@hoop/protocol';
import { type BackendMessage, copyData, errorResponse, type FrontendMessage, type MessageBuffer, readyForQuery } from '@hoop/pgwire';
import { abortParse, abortQuery, answersProbe, mustAbort } from './abort-transaction';
import { current, type Cycle, type Execution, newCycle, newExecution, summarizeCycle } from './cycles';
import { type BoundPortal, type PreparedStatement, portalColumns } from './descriptions';
import type { ColumnInfo, RowMasker, SessionHooks, Verdict } from './hooks';
import { maskNoticeFields } from './masking';
import { type HeldMessage, ReviewHolds } from './review-hold';
import { type ErrorFields, refusalError } from './sql-errors';

export { refusalError } from './sql-errors';

export interface RelayOutput {
  /** what goes to the client, in protocol order; sent on `flush` */
  readonly client: MessageBuffer;
  toTarget(bytes: Uint8Array): void;
  audit(type: string, data: Record<string, unknown>): void;
  /** sends what was queued; called after work that did not start from an incoming message (a review decision) */
  flush(): void;
  /** the client asked to end the session (a Terminate that waited behind a held statement) */
  terminate(): void;
}

/**
 * The ready phase of a Postgres session: client messages are judged and forwarded, target messages relayed (rows
 * masked). Refusals are answered in protocol order — after the target's answers to what was sent before them — and
 * an extended-protocol refusal discards messages up to Sync, as a server error does, so the client recovers there.
 * A refusal inside a transaction aborts it, as a server error does (abort-transaction.ts).
 */
export class QueryRelay {
  private readonly cycles: Cycle[] = [];
  private batch: Cycle | null = null;
  private skipping = false;
  private txStatus: 'I' | 'T' | 'E';
  private readonly prepared = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, BoundPortal>();
  private masker: RowMasker | null = null;
  /** the columns of the rows now arriving are known (a RowDescription, or an Execute's portal): `masker` is theirs */
  private described = false;
  /** the execution rows are counted against; `undefined` until looked up again after anything but a row */
  private rowExecution: Execution | null | undefined = undefined;
  /** text-format COPY TO STDOUT in progress: its rows are masked as text */
  private copyOutText = false;
  private readonly holds: ReviewHolds;
  statementCount = 0;
  /** values masked in this session so far, by type */
  readonly maskedTotals: Record<string, number> = {};

  constructor(private readonly out: RelayOutput, private readonly hooks: SessionHooks, txStatus: 'I' | 'T' | 'E') {
    this.txStatus = txStatus;
    this.holds = new ReviewHolds(out, hooks, {
      runApproved: (m, verdict) => this.runApproved(m, verdict),
      refuseHeld: (m, err) => (m.type === 'Query' ? this.refuse(err) : this.refuseParse((this.batch ??= this.openCycle('batch')), m.name, err)),
      replay: (m) => this.fromClient(m),
    });
  }

  // ── client → target ──────────────────────────────────────────────────────────────────────────────────────────────
  fromClient(m: FrontendMessage): 'continue' | 'terminate' {
    this.rowExecution = undefined;
    if (this.holds.active) return this.holds.queue(m);
    switch (m.type) {
      case 'Query':
        return this.query(m);
      case 'Parse':
      case 'Bind':
      case 'Describe':
      case 'Execute':
      case 'Close':
      case 'Flush':
        this.extended(m);
        return 'continue';
      case 'Sync':
        if (!this.batch) this.openCycle('batch');
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
        this.refuse({ severity: 'ERROR', code: '42501', message: `${BLOCKED_PREFIX}: function calls over the fast-path protocol are not allowed`, hint: 'call the function from a SQL statement instead' });
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

  private query(m: FrontendMessage & { type: 'Query' }): 'continue' {
    const { sql, raw } = m;
    const verdict = this.hooks.judge(sql);
    this.statementCount++;
    if (verdict.action === 'review' && this.hooks.requestReview) {
      this.holds.start(sql, verdict, m);
      return 'continue';
    }
    if (verdict.action !== 'allow') {
      this.recordRefusal(sql, verdict);
      this.refuse(refusalError(verdict));
      return 'continue';
    }
    this.openCycle('query').executions.push(newExecution(sql, verdict));
    this.out.toTarget(raw);
    return 'continue';
  }

  private extended(m: FrontendMessage): void {
    if (this.skipping) return;
    const batch = (this.batch ??= this.openCycle('batch'));
    if (m.type === 'Parse') {
      const verdict = this.hooks.judge(m.sql);
      if (verdict.action === 'review' && this.hooks.requestReview) {
        this.statementCount++;
        this.holds.start(m.sql, verdict, m);
        return;
      }
      if (verdict.action !== 'allow') {
        this.statementCount++;
        this.recordRefusal(m.sql, verdict);
        this.refuseParse(batch, m.name, refusalError(verdict));
        return;
      }
      this.prepared.set(m.name, { sql: m.sql, verdict, fields: null });
    } else if (m.type === 'Bind') {
      this.portals.set(m.portal, { statement: this.prepared.get(m.statement) ?? null, resultFormats: m.resultFormats, fields: null });
    } else if (m.type === 'Describe') {
      batch.describes.push({ target: (m.kind === 'S' ? this.prepared.get(m.name) : this.portals.get(m.name)) ?? null });
    } else if (m.type === 'Execute') {
      const portal = this.portals.get(m.portal) ?? null;
      this.statementCount++;
      batch.executions.push(newExecution(portal?.statement?.sql ?? '', portal?.statement?.verdict ?? { action: 'allow' }, portal));
    } else if (m.type === 'Close') {
      if (m.kind === 'S') this.prepared.delete(m.name);
      else this.portals.delete(m.name);
    }
    batch.forwarded = true;
    this.out.toTarget(m.raw);
  }

  /** A statement reviewers approved: sent on now, as if it had just arrived allowed. */
  private runApproved(m: HeldMessage, verdict: Verdict): void {
    this.rowExecution = undefined;
    if (m.type === 'Query') {
      this.openCycle('query').executions.push(newExecution(m.sql, verdict));
    } else {
      const batch = (this.batch ??= this.openCycle('batch'));
      this.prepared.set(m.name, { sql: m.sql, verdict, fields: null });
      batch.forwarded = true;
    }
    this.out.toTarget(m.raw);
  }

  /**
   * A refused Parse (of statement `name`): the rest of the batch is discarded up to Sync, as after a server error. When
   * the target has a transaction open, or may have, a stand-in fails there in the Parse's place and aborts it; the
   * client gets `err` in place of the stand-in's error, in protocol order.
   */
  private refuseParse(batch: Cycle, name: string, err: ErrorFields): void {
    this.skipping = true;
    if (mustAbort(this.txStatus, batch.forwarded || this.cycles.length > 1)) {
      const { probe, raw } = abortParse(name, !batch.forwarded);
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

  /** Every request sent to the target has been answered (its ReadyForQuery relayed). */
  get idle(): boolean {
    return this.cycles.length === 0;
  }

  /** The session is over: a held statement will never run. */
  dispose(): void {
    this.holds.dispose();
  }

  // ── target → client ──────────────────────────────────────────────────────────────────────────────────────────────
  /**
   * A DataRow from the target as the bytes `src[start, end)` (see `BackendParser.push`): counted for the audit trail,
   * masked and written to the client without an object per row.
   */
  dataRow(src: Buffer, start: number, end: number): void {
    if (this.rowExecution === undefined) this.rowExecution = (this.cycles[0] && current(this.cycles[0])) ?? null;
    const exec = this.rowExecution;
    if (exec !== null) {
      exec.rows++;
      exec.bytes += end - start;
    }
    if (!this.described) {
      // rows of an Execute whose round has no RowDescription: its portal says what the columns are
      const count = (((src[start + 5]! << 8) | src[start + 6]!) << 16) >> 16;
      this.masker = this.hooks.rowMasker(portalColumns(exec?.portal ?? null, Math.max(0, count)));
      this.described = true;
    }
    if (this.masker !== null) this.masker.writeRow(src, start, end, this.out.client);
    else this.out.client.appendRange(src, start, end);
  }

  fromTarget(m: BackendMessage): void {
    if (m.type === 'DataRow') return this.dataRow(m.raw, 0, m.raw.length);
    this.rowExecution = undefined;
    const cycle = this.cycles[0];
    const client = this.out.client;
    switch (m.type) {
      case 'RowDescription': {
        // in an extended round it answers a Describe: kept for the Execute whose rows come later
        const describe = cycle?.kind === 'batch' ? cycle.describes.shift() : undefined;
        if (describe) {
          if (describe.target) describe.target.fields = m.fields;
        } else {
          this.masker = this.hooks.rowMasker(m.fields.map((f): ColumnInfo => ({ name: f.name, tableOid: f.tableOid, typeOid: f.typeOid, format: f.format })));
          this.described = true;
        }
        client.append(m.raw);
        return;
      }
      case 'NoData': {
        const describe = cycle?.kind === 'batch' ? cycle.describes.shift() : undefined;
        if (describe?.target) describe.target.fields = [];
        client.append(m.raw);
        return;
      }
      case 'CommandComplete':
      case 'EmptyQueryResponse':
      case 'PortalSuspended': {
        const exec = cycle && current(cycle);
        if (exec) {
          if (m.type === 'CommandComplete') exec.tags.push(m.tag);
          if (cycle.kind === 'batch') exec.done = true;
        }
        this.masker = null;
        this.described = false;
        client.append(m.raw);
        return;
      }
      case 'ErrorResponse': {
        if (cycle?.abort && answersProbe(cycle.abort, m.fields)) {
          // the stand-in for a refused statement failed, so the target's transaction is aborted: the client hears why
          cycle.abort = null;
          cycle.targetErrored = true;
          if (cycle.inject) client.append(errorResponse(cycle.inject));
          cycle.inject = null;
          this.masker = null;
          this.described = false;
          return;
        }
        if (cycle) {
          cycle.targetErrored = true;
          const exec = current(cycle);
          if (exec) {
            exec.error = this.hooks.maskAudit(m.fields.M ?? 'error');
            exec.done = true;
          }
        }
        this.masker = null;
        this.described = false;
        client.append(maskNoticeFields(m.fields, m.raw, 'error', (t) => this.hooks.maskText(t)));
        return;
      }
      case 'NoticeResponse':
        client.append(maskNoticeFields(m.fields, m.raw, 'notice', (t) => this.hooks.maskText(t)));
        return;
      case 'CopyOutResponse':
        this.copyOutText = m.format === 0;
        client.append(m.raw);
        return;
      case 'CopyData': {
        if (!this.copyOutText) {
          client.append(m.raw);
          return;
        }
        const text = m.data.toString('utf8');
        const masked = this.hooks.maskText(text);
        client.append(masked === text ? m.raw : copyData(Buffer.from(masked, 'utf8')));
        return;
      }
      case 'CopyDone':
        this.copyOutText = false;
        client.append(m.raw);
        return;
      case 'ReadyForQuery':
        this.txStatus = m.status;
        this.masker = null;
        this.described = false;
        if (cycle) {
          this.cycles.shift();
          if (cycle.inject && !cycle.targetErrored) client.append(errorResponse(cycle.inject));
          summarizeCycle(cycle, this.hooks, this.maskedTotals, (type, data) => this.out.audit(type, data));
        }
        client.append(m.raw);
        return;
      default:
        client.append(m.raw);
    }
  }
}
