import type { Decision, Policy, StatementDecision } from '@hoop/pipeline';
import type { MysqlContext } from '@hoop/pipeline/mysql';

/** What the agent sends to its MySQL guard (guard-worker.ts, a process of its own). */
export interface JudgeRequest {
  type: 'judge';
  job: number;
  sql: string;
  /** the policy by its number (policies are posted once per guard process: see guard-thread.ts) */
  policyId: number;
  /** the policy itself, the first time the guard hears of it */
  policy?: Policy;
  ctx: MysqlContext;
  /** say too whether the verdict cannot depend on the text's numbers (literalFreeMysql: the verdict is kept for its shape) */
  askFree: boolean;
}

/** What the guard answers. */
export type GuardReply =
  /** the grammar is loaded; `task`: its main thread's /proc task folder (its CPU time is read there), null where there is none */
  | { type: 'ready'; task: string | null }
  | { type: 'unloaded'; error: string }
  /** `heapMb`, `rssMb`: the guard's heap in use and its process's size after it (for the agent's log) */
  | { type: 'verdict'; job: number; decision: Decision; literalFree: boolean; heapMb: number; rssMb: number }
  /** a policy number the guard does not hold: posted again with the policy */
  | { type: 'unknown-policy'; job: number };

/** What the guard is started with (its first argument, JSON). */
export interface GuardWorkerData {
  /** past this much heap in use (MB) after a statement, the grammar's prediction cache is dropped */
  dfaBoundMb: number;
  /** policies the guard keeps (the agent keeps the same count, in the same order) */
  policies: number;
}

/** CPU time of one thread, from its /proc task folder's schedstat (nanoseconds on CPU); null when it cannot be read. */
export function threadCpuMs(read: (file: string) => string, task: string): number | null {
  try {
    const ns = Number(read(`${task}/schedstat`).split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}

const HINT = 'try again; if it keeps failing, split the statement or simplify it (hoop only forwards statements it could read)';

/** The verdict on a text the guard could not read to the end (fail closed): `why` says what stopped it. */
export function unread(sql: string, why: string): Decision {
  const message = `the statement was not sent: ${why}`;
  const s: StatementDecision = { text: sql.slice(0, 2000), kind: 'unknown', command: 'UNKNOWN', action: 'deny', ruleId: 'parse-error', message, hint: HINT };
  return { action: 'deny', statements: [s], ruleId: 'parse-error', reason: message, hint: HINT, sqlstate: '42501' };
}
