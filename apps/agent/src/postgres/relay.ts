import { BLOCKED_PREFIX, WAITING_PREFIX } from '@hoop/protocol';
import { blockedMessage, notApprovedMessage } from '../refusals';
import {
  type BackendMessage,
  copyData,
  dataRow,
  errorResponse,
  type FrontendMessage,
  noticeResponse,
  readyForQuery,
} from '@hoop/pgwire';
import type { ColumnInfo, ReviewUpdate, RowMasker, SessionHooks, Verdict } from './hooks';

type ErrorFields = { severity: 'ERROR' | 'FATAL'; code: string; message: string; hint?: string; detail?: string };

/** A statement on its way through the target, for the audit trail. */
interface Execution {
  sql: string;
  verdict: Verdict;
  started: number;
  tags: string[];
  rows: number;
  bytes: number;
  error?: string;
  done: boolean;
}

/** One request/ReadyForQuery round: a simple Query, an extended batch ending in Sync, or a locally refused query. */
interface Cycle {
  kind: 'query' | 'batch' | 'refused';
  executions: Execution[];
  /** error the agent reports for this round (a refused statement), unless the target already reported one */
  inject: ErrorFields | null;
  targetErrored: boolean;
  /** a message of this round was sent to the target */
  forwarded: boolean;
}

export interface RelayOutput {
  toClient(bytes: Uint8Array): void;
  toTarget(bytes: Uint8Array): void;
  audit(type: string, data: Record<string, unknown>): void;
  /** sends what was queued; called after work that did not start from an incoming message (a review decision) */
  flush(): void;
  /** the client asked to end the session (a Terminate that waited behind a held statement) */
  terminate(): void;
}

/** Client bytes a session may queue behind a held statement before it is refused. */
const MAX_HELD_INPUT = 16 * 1024 * 1024;

/** A statement waiting for reviewers; the client's later messages wait behind it, in order. */
interface Hold {
  sql: string;
  verdict: Verdict;
  message: FrontendMessage & { type: 'Query' | 'Parse' };
  queue: FrontendMessage[];
  queuedBytes: number;
  reviewId?: string;
  cancel: () => void;
  timer: NodeJS.Timeout | null;
}

/**
 * The ready phase of a Postgres session: client messages are judged and forwarded, target messages relayed (rows
 * masked). Refusals are answered in protocol order — after the target's answers to what was sent before them — and
 * an extended-protocol refusal discards messages up to Sync, as a server error does, so the client recovers there.
 */
export class QueryRelay {
  private readonly cycles: Cycle[] = [];
  private batch: Cycle | null = null;
  private skipping = false;
  private txStatus: 'I' | 'T' | 'E';
  private readonly prepared = new Map<string, { sql: string; verdict: Verdict }>();
  private readonly portals = new Map<string, { sql: string; verdict: Verdict }>();
  private masker: RowMasker | null = null;
  /** text-format COPY TO STDOUT in progress: its rows are masked as text */
  private copyOutText = false;
  private hold: Hold | null = null;
  statementCount = 0;
  /** values masked in this session so far, by type */
  readonly maskedTotals: Record<string, number> = {};

  constructor(private readonly out: RelayOutput, private readonly hooks: SessionHooks, txStatus: 'I' | 'T' | 'E') {
    this.txStatus = txStatus;
  }

  // ── client → target ──────────────────────────────────────────────────────────────────────────────────────────────
  fromClient(m: FrontendMessage): 'continue' | 'terminate' {
    if (this.hold) return this.queueBehindHold(this.hold, m);
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
      case 'Sync': {
        const batch = this.batch ?? this.openCycle('batch');
        this.batch = null;
        this.skipping = false;
        this.out.toTarget(m.raw);
        void batch;
        return 'continue';
      }
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
    const c: Cycle = { kind, executions: [], inject: null, targetErrored: false, forwarded: false };
    this.cycles.push(c);
    return c;
  }

  private query(m: FrontendMessage & { type: 'Query' }): 'continue' {
    const { sql, raw } = m;
    const verdict = this.hooks.judge(sql);
    this.statementCount++;
    if (verdict.action === 'review' && this.hooks.requestReview) {
      this.startHold(sql, verdict, m);
      return 'continue';
    }
    if (verdict.action !== 'allow') {
      this.recordRefusal(sql, verdict);
      this.refuse(refusalError(verdict));
      return 'continue';
    }
    const cycle = this.openCycle('query');
    cycle.executions.push(newExecution(sql, verdict));
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
        this.startHold(m.sql, verdict, m);
        return;
      }
      if (verdict.action !== 'allow') {
        this.statementCount++;
        this.recordRefusal(m.sql, verdict);
        this.refuseParse(batch, refusalError(verdict));
        return;
      }
      this.prepared.set(m.name, { sql: m.sql, verdict });
    } else if (m.type === 'Bind') {
      const stmt = this.prepared.get(m.statement);
      if (stmt) this.portals.set(m.portal, stmt);
    } else if (m.type === 'Execute') {
      const stmt = this.portals.get(m.portal);
      this.statementCount++;
      batch.executions.push(newExecution(stmt?.sql ?? '', stmt?.verdict ?? { action: 'allow' }));
    } else if (m.type === 'Close') {
      if (m.kind === 'S') this.prepared.delete(m.name);
      else this.portals.delete(m.name);
    }
    batch.forwarded = true;
    this.out.toTarget(m.raw);
  }

  /** A refused Parse: the rest of the batch is discarded up to Sync, as after a server error. */
  private refuseParse(batch: Cycle, err: ErrorFields): void {
    this.skipping = true;
    if (!batch.forwarded && this.cycles.length === 1) {
      // nothing of this round is with the target: answer now, as a server would, so a client that sends Flush
      // and waits (cursors do) gets its error without a Sync
      this.out.toClient(errorResponse(err));
    } else {
      batch.inject = err;
    }
  }

  // ── statements held for review ───────────────────────────────────────────────────────────────────────────────────
  private startHold(sql: string, verdict: Verdict, message: Hold['message']): void {
    this.out.audit('statement', {
      sql: this.hooks.maskAudit(sql),
      decision: 'review',
      ruleId: verdict.ruleId ?? null,
      reason: verdict.message ?? null,
      statements: verdict.statements ?? null,
      executed: false,
      held: true,
    });
    const hold: Hold = { sql, verdict, message, queue: [], queuedBytes: 0, cancel: () => undefined, timer: null };
    this.hold = hold;
    let cancelled = false;
    const cancel = this.hooks.requestReview!({ sql, verdict }, (u) => {
      // a decision may arrive in the same tick as the request: handle it after the caller has finished
      queueMicrotask(() => {
        if (!cancelled) this.onReviewUpdate(hold, u);
      });
    });
    hold.cancel = () => {
      cancelled = true;
      cancel();
    };
  }

  private queueBehindHold(hold: Hold, m: FrontendMessage): 'continue' | 'terminate' {
    if (m.type === 'Terminate') {
      this.endHold(hold);
      this.out.toTarget(m.raw);
      return 'terminate';
    }
    hold.queue.push(m);
    hold.queuedBytes += m.raw.length;
    if (hold.queuedBytes > MAX_HELD_INPUT) {
      this.endHold(hold);
      this.out.toClient(errorResponse({ severity: 'FATAL', code: '54000', message: 'too much input queued behind a statement waiting for approval' }));
      return 'terminate';
    }
    return 'continue';
  }

  private endHold(hold: Hold): void {
    if (hold.timer) clearTimeout(hold.timer);
    hold.cancel();
    if (this.hold === hold) this.hold = null;
  }

  /** The session is over: a held statement will never run. */
  dispose(): void {
    if (this.hold) this.endHold(this.hold);
  }

  private onReviewUpdate(hold: Hold, u: ReviewUpdate): void {
    if (this.hold !== hold) return;
    if (u.status === 'pending') {
      hold.reviewId = u.reviewId;
      this.out.audit('review.requested', { reviewId: u.reviewId ?? null, url: u.url ?? null, expiresAt: u.expiresAt ?? null, ruleId: hold.verdict.ruleId ?? null });
      this.out.toClient(
        noticeResponse({
          severity: 'NOTICE',
          code: '01000',
          message: `${WAITING_PREFIX}: ${u.url ?? `review ${u.reviewId}`}`,
          detail: `review ${u.reviewId ?? '?'} (guardrail "${hold.verdict.ruleId ?? 'review'}"); expires at ${u.expiresAt ?? 'unknown'}`,
          hint: 'the statement runs as soon as it is approved; it is refused if it is rejected or expires',
        }),
      );
      // the gateway expires reviews; this only guards against never hearing back
      if (!hold.timer && u.expiresAt) {
        const ms = Math.max(0, Date.parse(u.expiresAt) - Date.now()) + 60_000;
        hold.timer = setTimeout(() => this.onReviewUpdate(hold, { status: 'expired', reviewId: u.reviewId, message: 'no decision reached the agent in time' }), ms);
        hold.timer.unref();
      }
      this.out.flush();
      return;
    }
    this.endHold(hold);
    const reviewId = u.reviewId ?? hold.reviewId;
    this.out.audit('review.decided', { reviewId: reviewId ?? null, status: u.status, decidedBy: u.decidedBy ?? null, message: u.message ?? null });
    const m = hold.message;
    if (u.status === 'approved') {
      const verdict: Verdict = { ...hold.verdict, action: 'allow', ...(reviewId ? { reviewId } : {}) };
      if (m.type === 'Query') {
        const cycle = this.openCycle('query');
        cycle.executions.push(newExecution(hold.sql, verdict));
        this.out.toTarget(m.raw);
      } else {
        const batch = (this.batch ??= this.openCycle('batch'));
        this.prepared.set(m.name, { sql: m.sql, verdict });
        batch.forwarded = true;
        this.out.toTarget(m.raw);
      }
    } else {
      const err = reviewRefusal(u, reviewId);
      if (m.type === 'Query') this.refuse(err);
      else this.refuseParse((this.batch ??= this.openCycle('batch')), err);
    }
    // what the client sent meanwhile runs now, in order (and may be held in turn)
    for (const next of hold.queue) {
      if (this.fromClient(next) === 'terminate') {
        this.out.flush();
        this.out.terminate();
        return;
      }
    }
    this.out.flush();
  }

  /** A locally refused simple query or fast-path call: answer now, or after the rounds still in flight. */
  private refuse(err: ErrorFields): void {
    if (this.cycles.length === 0) {
      this.out.toClient(errorResponse(err));
      this.out.toClient(readyForQuery(this.txStatus));
      return;
    }
    this.openCycle('refused').inject = err;
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

  // ── target → client ──────────────────────────────────────────────────────────────────────────────────────────────
  fromTarget(m: BackendMessage): void {
    const cycle = this.cycles[0];
    switch (m.type) {
      case 'RowDescription':
        this.masker = this.hooks.rowMasker(m.fields.map((f): ColumnInfo => ({ name: f.name, tableOid: f.tableOid, typeOid: f.typeOid, format: f.format })));
        this.out.toClient(m.raw);
        return;
      case 'DataRow': {
        const exec = cycle && current(cycle);
        if (exec) {
          exec.rows++;
          exec.bytes += m.raw.length;
        }
        const masked = this.masker?.maskRow(m.values) ?? null;
        this.out.toClient(masked ? dataRow(masked) : m.raw);
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
        this.out.toClient(m.raw);
        return;
      }
      case 'ErrorResponse': {
        if (cycle) {
          cycle.targetErrored = true;
          const exec = current(cycle);
          if (exec) {
            exec.error = this.hooks.maskAudit(m.fields.M ?? 'error');
            exec.done = true;
          }
        }
        this.masker = null;
        this.out.toClient(this.maskFields(m.fields, m.raw, 'error'));
        return;
      }
      case 'NoticeResponse':
        this.out.toClient(this.maskFields(m.fields, m.raw, 'notice'));
        return;
      case 'CopyOutResponse':
        this.copyOutText = m.format === 0;
        this.out.toClient(m.raw);
        return;
      case 'CopyData': {
        if (!this.copyOutText) {
          this.out.toClient(m.raw);
          return;
        }
        const text = m.data.toString('utf8');
        const masked = this.hooks.maskText(text);
        this.out.toClient(masked === text ? m.raw : copyData(Buffer.from(masked, 'utf8')));
        return;
      }
      case 'CopyDone':
        this.copyOutText = false;
        this.out.toClient(m.raw);
        return;
      case 'ReadyForQuery':
        this.txStatus = m.status;
        if (cycle) {
          this.cycles.shift();
          if (cycle.inject && !cycle.targetErrored) this.out.toClient(errorResponse(cycle.inject));
          this.finishCycle(cycle);
        }
        this.out.toClient(m.raw);
        this.flushRefused();
        return;
      default:
        this.out.toClient(m.raw);
    }
  }

  private flushRefused(): void {
    while (this.cycles[0]?.kind === 'refused') {
      const c = this.cycles.shift()!;
      if (c.inject) this.out.toClient(errorResponse(c.inject));
      this.out.toClient(readyForQuery(this.txStatus));
    }
  }

  private finishCycle(cycle: Cycle): void {
    const now = performance.now();
    for (const e of cycle.executions) {
      const masked = this.hooks.takeMaskCounts();
      for (const [type, n] of Object.entries(masked)) this.maskedTotals[type] = (this.maskedTotals[type] ?? 0) + n;
      this.out.audit('statement', {
        sql: this.hooks.maskAudit(e.sql),
        decision: e.verdict.reviewId ? 'approved' : 'allow',
        ...(e.verdict.reviewId ? { reviewId: e.verdict.reviewId } : {}),
        statements: e.verdict.statements ?? null,
        executed: true,
        tags: e.tags,
        rows: e.rows,
        bytes: e.bytes,
        durationMs: Math.round((now - e.started) * 1000) / 1000,
        error: e.error ?? (e.done || cycle.kind === 'query' ? null : 'not executed: an earlier message in the batch failed'),
        masked,
      });
    }
  }

  private maskFields(fields: Record<string, string>, raw: Uint8Array, kind: 'error' | 'notice'): Uint8Array {
    let changed = false;
    const next: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      const masked = k === 'M' || k === 'D' || k === 'H' || k === 'W' ? this.hooks.maskText(v) : v;
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
}

function newExecution(sql: string, verdict: Verdict): Execution {
  return { sql, verdict, started: performance.now(), tags: [], rows: 0, bytes: 0, done: false };
}

function current(cycle: Cycle): Execution | undefined {
  if (cycle.kind === 'query') return cycle.executions[0];
  return cycle.executions.find((e) => !e.done);
}

function reviewRefusal(u: ReviewUpdate, reviewId: string | undefined): ErrorFields {
  return {
    severity: 'ERROR',
    code: '42501',
    message: notApprovedMessage(u, reviewId, 'statement'),
    hint: u.status === 'rejected' || u.status === 'invalid' ? 'the statement did not run' : 'the statement did not run; run it again to ask for a new review',
  };
}

export function refusalError(v: Verdict): ErrorFields {
  if (v.action === 'review') {
    return {
      severity: 'ERROR',
      code: v.sqlstate ?? '42501',
      message: `${BLOCKED_PREFIX} guardrail "${v.ruleId ?? 'review'}": ${v.message ?? 'this statement needs approval'} (approval required)`,
      hint: v.hint ?? 'this statement needs a reviewer\'s approval before it can run',
    };
  }
  return {
    severity: 'ERROR',
    code: v.sqlstate ?? '42501',
    message: blockedMessage(v),
    ...(v.hint ? { hint: v.hint } : {}),
  };
}
