import type { AbortProbe } from './abort-transaction';
import type { BoundPortal, PendingDescribe } from './descriptions';
import type { SessionHooks, Verdict } from '../session/hooks';
import type { PendingChange } from './prepared';
import type { ErrorFields } from './sql-errors';

/** A statement on its way through the target, for the audit trail. */
export interface Execution {
  sql: string;
  /** the text as its record shows it (masked), made while the target runs it (`QueryRelay.sent`), else at the record */
  auditSql?: string;
  verdict: Verdict;
  started: number;
  tags: string[];
  rows: number;
  bytes: number;
  error?: string;
  done: boolean;
  /** the portal an Execute runs (extended protocol): what its rows' columns are */
  portal: BoundPortal | null;
  /** changes to prepared statements (PREPARE, DEALLOCATE) made by its statement number `index`, confirmed by its CommandComplete */
  changes: { index: number; change: PendingChange }[];
}

/**
 * One request/ReadyForQuery round: a simple Query, an extended batch ending in Sync, or the stand-in the agent sends
 * for a refused query to abort the target's transaction (see abort-transaction.ts).
 */
export interface Cycle {
  kind: 'query' | 'batch' | 'abort';
  executions: Execution[];
  /** error the agent reports for this round (a refused statement), unless the target already reported one */
  inject: ErrorFields | null;
  /** the stand-in sent in this round for a refused statement: its error from the target is replaced by `inject` */
  abort: AbortProbe | null;
  targetErrored: boolean;
  /** a message of this round was sent to the target */
  forwarded: boolean;
  /** Describes of this round not answered yet, in order */
  describes: PendingDescribe[];
  /** every change to prepared statements sent in this round, in order: an error undoes the ones not yet answered */
  changes: PendingChange[];
  /** the changes of its Parses, answered by ParseComplete in order */
  parses: PendingChange[];
  /** the changes of its Closes (null for a portal's), answered by CloseComplete in order */
  closes: (PendingChange | null)[];
}

export function newCycle(kind: Cycle['kind']): Cycle {
  return { kind, executions: [], inject: null, abort: null, targetErrored: false, forwarded: false, describes: [], changes: [], parses: [], closes: [] };
}

export function newExecution(sql: string, verdict: Verdict, portal: BoundPortal | null = null): Execution {
  return { sql, verdict, started: performance.now(), tags: [], rows: 0, bytes: 0, done: false, portal, changes: [] };
}

/**
 * The target failed this round (or it ended): the changes it has not confirmed did not happen — the failing message's
 * and those it skipped after it — undone latest first, so a statement a failed Close kept is restored last.
 */
export function undoUnanswered(cycle: Cycle): void {
  for (let i = cycle.changes.length - 1; i >= 0; i--) cycle.changes[i]!.fail();
  cycle.changes = [];
  cycle.parses = [];
  cycle.closes = [];
  for (const e of cycle.executions) e.changes = [];
}

/** A statement of `exec` completed: the changes it made to prepared statements are now the target's. */
export function confirmStatement(exec: Execution): void {
  const index = exec.tags.length - 1;
  for (const c of exec.changes) if (c.index === index) c.change.confirm();
}

/** An Execute is over (completed, failed or skipped): an approval it ran under is spent. */
export function endApprovedRun(exec: Execution): void {
  if (exec.portal?.approval?.state === 'fetching') exec.portal.approval.state = 'spent';
}

/** The execution the target is answering now. */
export function current(cycle: Cycle): Execution | undefined {
  if (cycle.kind === 'query') return cycle.executions[0];
  return cycle.executions.find((e) => !e.done);
}

/**
 * The audit summary of each statement of a finished round: decision, tags, rows, bytes, duration, error, and the
 * values masked in its results by type (also added to the session's `totals`). What the round's end fixes (the time,
 * the counts) is taken now; the records are made by the function returned, which may run later (records.ts).
 */
export function summarizeCycle(
  cycle: Cycle,
  hooks: SessionHooks,
  totals: Record<string, number>,
): (audit: (type: string, data: Record<string, unknown>) => void) => void {
  const now = performance.now();
  const counts = cycle.executions.map(() => {
    const masked = hooks.takeMaskCounts();
    for (const [type, n] of Object.entries(masked)) totals[type] = (totals[type] ?? 0) + n;
    return masked;
  });
  return (audit) => {
    cycle.executions.forEach((e, i) => {
      // keys in sorted order: the gateway's canonical JSON of the record (for its hash) is then JSON.stringify's
      audit('statement', {
        bytes: e.bytes,
        decision: e.verdict.reviewId ? 'approved' : 'allow',
        durationMs: Math.round((now - e.started) * 1000) / 1000,
        error: e.error ?? (e.done || cycle.kind === 'query' ? null : 'not executed: an earlier message in the batch failed'),
        executed: true,
        masked: counts[i]!,
        ...(e.verdict.reviewId ? { reviewId: e.verdict.reviewId } : {}),
        rows: e.rows,
        sql: e.auditSql ?? hooks.maskAudit(e.sql),
        statements: e.verdict.statements ?? null,
        tags: e.tags,
      });
    });
  };
}
