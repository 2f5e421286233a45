import type { SessionHooks, Verdict } from '../session/hooks';
import type { PreparedStatements } from './prepared';
import type { RunsPrepared } from '../session/review-subject';
import { type PreparedOps, readPreparedOps } from './sql-prepared';
import type { ErrorFields } from './sql-errors';

/** What a text does to the session's prepared statements when it runs: one step per statement, by its index. */
export interface PreparedChange {
  index: number;
  prepare?: { name: string; sql: string; definition: string; ops: PreparedOps | null };
  /** null: all of them */
  deallocate?: string | null;
}

export interface Judged {
  verdict: Verdict;
  runs: RunsPrepared[];
  changes: PreparedChange[];
  /** Postgres would refuse the text before policy matters (a PREPARE of a name already taken): this error instead */
  error?: ErrorFields;
  /** what a name the text uses holds depends on answers to an earlier round not in yet: judge it again once they are */
  unsettled?: boolean;
}

export interface JudgeContext {
  hooks: SessionHooks;
  statements: PreparedStatements;
  /** the extended-protocol round the text runs in (a statement its Close removes may be prepared again in it) */
  round: object | null;
  /** look up what EXECUTE runs (false for a Parse: the statement is judged again, with what it runs, when bound) */
  resolve: boolean;
}

const SEVERITY: Record<Verdict['action'], number> = { allow: 0, review: 1, deny: 2 };
/** EXECUTE of a statement that is itself an EXECUTE (a Parse may hold one), this deep at most */
const MAX_DEPTH = 4;

/**
 * Judges a text as it runs in this session. A text that does nothing with prepared statements gets the guard's verdict
 * as it is. Otherwise each statement is judged on its own and the most severe verdict decides, as the guard does for a
 * string of statements: a PREPARE by itself and by the query it prepares — what needs review there is held when it is
 * run, not when it is prepared, since preparing runs nothing — and an EXECUTE by itself (its arguments) and by the text
 * of the statement it runs, which must be one this session prepared.
 */
export function judgeSql(sql: string, ops: PreparedOps | null, ctx: JudgeContext, depth = 0): Judged {
  if (!ops) return { verdict: ctx.hooks.judge(sql), runs: [], changes: [] };
  const verdicts: Verdict[] = [];
  const runs: RunsPrepared[] = [];
  const changes: PreparedChange[] = [];
  let error: ErrorFields | undefined;
  let unsettled = false;
  // what the text's own PREPAREs and DEALLOCATEs have done by each statement (null: removed)
  const local = new Map<string, { sql: string; definition: string; ops: PreparedOps | null } | null>();
  let cleared = false;
  const lookup = (name: string) => {
    if (local.has(name)) return local.get(name) ?? null;
    if (cleared) return null;
    if (!ctx.statements.settled(name, ctx.round)) unsettled = true;
    const e = ctx.statements.get(name);
    return e ? { sql: e.sql, definition: e.definition ?? e.sql, ops: e.ops } : null;
  };
  ops.statements.forEach((s, index) => {
    if (s.hidden) {
      verdicts.push(
        deny(
          'prepared-statement-hidden',
          `${s.hidden} prepares, runs or deallocates a SQL prepared statement, which hoop cannot follow`,
          'use PREPARE, EXECUTE and DEALLOCATE as statements of their own',
          '42501',
        ),
      );
      return;
    }
    if (s.prepare) {
      const { name, query } = s.prepare;
      // preparing runs nothing: what needs review is held when it is run
      verdicts.push(deferReview(ctx.hooks.judge(s.text)));
      if (query !== s.text) verdicts.push(deferReview(ctx.hooks.judge(query)));
      const free = local.has(name) ? (local.get(name) === null ? 'free' : 'taken') : cleared ? 'free' : ctx.statements.free(name, ctx.round);
      if (ctx.resolve && free === 'unknown') unsettled = true;
      if (ctx.resolve && free === 'taken') error ??= { severity: 'ERROR', code: '42P05', message: `prepared statement "${name}" already exists` };
      const created = { sql: query, definition: s.text, ops: query === s.text ? null : readPreparedOps(query) };
      local.set(name, created);
      changes.push({ index, prepare: { name, ...created } });
      return;
    }
    verdicts.push(ctx.hooks.judge(s.text));
    if (s.deallocate !== undefined) {
      if (s.deallocate === null) {
        local.clear();
        cleared = true;
      } else {
        local.set(s.deallocate, null);
      }
      changes.push({ index, deallocate: s.deallocate });
    }
    if (!ctx.resolve) return;
    for (const name of s.runs) {
      const target = lookup(name);
      if (!target) {
        verdicts.push(
          deny(
            'prepared-statement-unknown',
            `EXECUTE runs prepared statement "${name}", which this session has not prepared through hoop`,
            'prepare it in this session first, then run it',
            '26000',
          ),
        );
        continue;
      }
      runs.push({ name, definition: target.definition });
      if (depth >= MAX_DEPTH) {
        verdicts.push(deny('prepared-statement-depth', `prepared statement "${name}" runs prepared statements ${MAX_DEPTH} deep`, 'run the statement itself'));
        continue;
      }
      if (target.ops?.statements.some((t) => t.prepare || t.deallocate !== undefined)) {
        verdicts.push(
          deny(
            'prepared-statement-hidden',
            `prepared statement "${name}" prepares or deallocates prepared statements when run, which hoop cannot follow`,
            'run that statement itself, not through EXECUTE',
          ),
        );
        continue;
      }
      const inner = judgeSql(target.sql, target.ops, ctx, depth + 1);
      if (inner.unsettled) unsettled = true;
      runs.push(...inner.runs);
      verdicts.push(
        inner.verdict.action === 'allow'
          ? inner.verdict
          : { ...inner.verdict, message: `in prepared statement "${name}", which EXECUTE runs: ${inner.verdict.message ?? 'not allowed by policy'}` },
      );
    }
  });
  return { verdict: combine(verdicts), runs, changes, ...(error ? { error } : {}), ...(unsettled ? { unsettled } : {}) };
}

function deny(ruleId: string, message: string, hint: string, sqlstate = '42501'): Verdict {
  return { action: 'deny', ruleId, message, hint, sqlstate };
}

/** a PREPARE's verdict: review only when the statement is run */
function deferReview(v: Verdict): Verdict {
  return v.action === 'review' ? { action: 'allow', ...(v.statements ? { statements: v.statements } : {}) } : v;
}

/** The most severe verdict decides (the first of them on a tie); the audit trail gets every statement's. */
function combine(verdicts: Verdict[]): Verdict {
  let worst: Verdict = { action: 'allow' };
  const statements: NonNullable<Verdict['statements']> = [];
  for (const v of verdicts) {
    if (SEVERITY[v.action] > SEVERITY[worst.action]) worst = v;
    if (v.statements) statements.push(...v.statements);
  }
  return { ...worst, statements };
}
