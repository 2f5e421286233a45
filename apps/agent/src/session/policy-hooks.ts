import {
  type ColumnMasker,
  type Decision,
  type ColumnRef,
  createMasker,
  evaluate,
  evaluateMysql,
  evaluateShell,
  type LiteralShape,
  literalFree,
  literalFreeMysql,
  literalShape,
  literalShapeMysql,
  type Masker,
  type MysqlContext,
  type Policy,
  policyLimits,
  type ResolvedPolicy,
  resolvePolicy,
} from '@hoop/pipeline';
import type { AgentConnection } from '@hoop/protocol';
import type { SessionHooks, Verdict } from './hooks';
import { TextCache, textBytes } from './text-cache';

/** A connection's policy (see resolvePolicy); one that does not validate stops every statement (fail closed). */
export function policyFor(conn: AgentConnection): ResolvedPolicy {
  return resolvePolicy(conn.policy);
}

/**
 * What a connection's statements are judged as: Postgres SQL (a Postgres or psql command connection), MySQL/MariaDB SQL
 * (its own grammar: versioned comments, backticks, `LOAD DATA`, … read as that server reads them) or shell commands.
 */
export type GuardKind = 'sql' | 'mysql' | 'shell';

export function guardKind(conn: AgentConnection): GuardKind {
  if (conn.type === 'mysql') return 'mysql';
  if (conn.type === 'postgres') return 'sql';
  if (conn.type === 'command' && conn.config.guard === 'sql') return 'sql';
  return 'shell';
}

/** Verdicts a session keeps, by statement text: a prepared statement is judged again at every Bind and Execute. */
const VERDICT_CACHE_ENTRIES = 256;
/** Texts longer than this are judged every time (a cache of them would hold too much). */
const VERDICT_CACHE_TEXT = 16 * 1024;
/** what each of a session's caches (verdicts, shapes, audit texts) may hold, in bytes */
const CACHE_BYTES = 1024 * 1024;

/** what a verdict holds besides its key */
const verdictBytes = (v: Verdict) =>
  128 + textBytes(v.message ?? '') + textBytes(v.hint ?? '') + (v.statements ?? []).reduce((n, s) => n + 64 + textBytes(s.text), 0);

/** What judging a text needs when no cache knows its verdict. */
interface Unknown {
  unknown: true;
  conn: AgentConnection;
  policy: Policy;
  ctx: MysqlContext;
  shape: LiteralShape | null;
  /** undefined: the shape was never judged; null: its verdict depends on its numbers */
  alike: Verdict | null | undefined;
}

/** The hooks a connection's policy gives its sessions: the session's, and how each column of a result is masked. */
export interface PolicyHooks extends SessionHooks {
  /** the masker of one column of a result (a protocol with results builds its row masker from these) */
  columnMasker(column: ColumnRef): ColumnMasker;
  /** the session's masker under the policy as last configured (free text and JSON documents, with each call's counts) */
  masker(): Masker;
  /**
   * `judge`, where judging may happen away from the event loop (a MySQL text in the agent's guard thread): a verdict a
   * cache holds comes back at once, one that must be judged as a promise.
   */
  judgeSoon(sql: string): Verdict | Promise<Verdict>;
  /** resolves when the session's guard can judge (the MySQL grammar is loaded); rejects with why it cannot */
  guardReady(): Promise<void>;
}

/** Where the agent judges MySQL texts: its guard thread (mysql/guard-thread.ts). Without it, on the event loop. */
export interface MysqlGuard {
  start(): Promise<void>;
  /** `askFree`: say too whether the verdict cannot depend on the text's numbers (literalFreeMysql) */
  judge(sql: string, policy: Policy, ctx: MysqlContext, askFree: boolean): Promise<{ decision: Decision; literalFree: boolean }>;
}

/**
 * Builds the guard and masking hooks for a session. `current` returns the connection as last configured, so a policy
 * change pushed by the gateway applies to the next statement of sessions already open. A SQL verdict depends on the
 * text and the policy alone, so the latest ones are kept by text until the policy (or connection) changes.
 */
export function hooksFor(
  current: () => AgentConnection,
  hashKey: string,
  kind: GuardKind = guardKind(current()),
  session: { statementTimeMs?: number } = {},
  o: { mysqlGuard?: MysqlGuard } = {},
): PolicyHooks {
  let seen: AgentConnection | null = null;
  let resolved: ResolvedPolicy = { error: 'not resolved' };
  let masker: Masker = createMasker({ hashKey });
  let auditMasker: Masker = createMasker({ hashKey });
  const carried: Record<string, number> = {};
  const verdicts = new TextCache<Verdict>(VERDICT_CACHE_ENTRIES, CACHE_BYTES);
  /**
   * SQL verdicts by the text's shape with its numbers taken out (see literalShape, literalShapeMysql): kept only where
   * the guard says the verdict cannot depend on them (literalFree, literalFreeMysql); null for a shape where it can,
   * which is then judged every time. A session judges one kind, so Postgres and MySQL shapes never share this map.
   */
  const shapes = new TextCache<Verdict | null>(VERDICT_CACHE_ENTRIES, CACHE_BYTES);
  /** statement texts as the audit trail records them (a prepared statement's text comes back with every run) */
  const auditTexts = new TextCache<string>(VERDICT_CACHE_ENTRIES, CACHE_BYTES);
  /** column maskers by column (each result of the simple protocol describes its columns again) */
  const columnMaskers = new Map<string, ColumnMasker>();
  const latest = () => {
    const conn = current();
    if (conn !== seen) {
      seen = conn;
      verdicts.clear();
      shapes.clear();
      auditTexts.clear();
      columnMaskers.clear();
      resolved = policyFor(conn);
      const pending = masker.resetCounts();
      // an invalid policy masks with the defaults: masking never turns off by mistake
      masker = createMasker({ ...('policy' in resolved ? resolved.policy.masking : {}), hashKey });
      auditMasker = createMasker({ ...('policy' in resolved ? resolved.policy.masking : {}), hashKey });
      for (const [type, n] of Object.entries(pending)) carried[type] = (carried[type] ?? 0) + (n ?? 0);
    }
    return { conn, resolved };
  };
  return {
    columnMasker(column: ColumnRef) {
      latest();
      const key = `${column.typeOid ?? ''}\u0000${column.table ?? ''}\u0000${column.name}`;
      const known = columnMaskers.get(key);
      if (known) return known;
      const made = masker.columnMasker(column);
      if (columnMaskers.size >= VERDICT_CACHE_ENTRIES) columnMaskers.delete(columnMaskers.keys().next().value!);
      columnMaskers.set(key, made);
      return made;
    },
    masker() {
      latest();
      return masker;
    },
    maskText(text: string) {
      latest();
      return masker.maskText(text).text;
    },
    maskAudit(text: string) {
      latest();
      const known = auditTexts.get(text);
      if (known !== undefined) return known;
      const masked = auditMasker.maskText(text).text;
      if (text.length <= VERDICT_CACHE_TEXT) auditTexts.set(text, masked, textBytes(text) + textBytes(masked));
      return masked;
    },
    takeMaskCounts() {
      const counts: Record<string, number> = { ...carried };
      for (const k of Object.keys(carried)) delete carried[k];
      for (const [type, n] of Object.entries(masker.resetCounts())) counts[type] = (counts[type] ?? 0) + (n ?? 0);
      return counts;
    },
    judge: (sql: string) => judgeNow(sql, lookup(sql)),
    judgeSoon(sql: string): Verdict | Promise<Verdict> {
      const r = lookup(sql);
      if (!('unknown' in r) || kind !== 'mysql' || !o.mysqlGuard) return judgeNow(sql, r);
      // the grammar is the thread's only: whether the verdict holds for the text's shape is asked there too
      return o.mysqlGuard.judge(sql, r.policy, r.ctx, Boolean(r.shape && r.alike === undefined)).then((j) => remember(sql, r, j.decision, j.literalFree));
    },
    guardReady() {
      return kind === 'mysql' && o.mysqlGuard ? o.mysqlGuard.start() : Promise.resolve();
    },
  };

  function judgeNow(sql: string, r: Verdict | Unknown): Verdict {
    if (!('unknown' in r)) return r;
    const d = kind === 'mysql' ? evaluateMysql(sql, r.policy, r.ctx) : evaluate(sql, r.policy, { readOnly: r.ctx.readOnly });
    return remember(sql, r, d);
  }

  /** The verdict on `sql` when it is known without judging it (the policy is invalid, a cache has it), else what judging needs. */
  function lookup(sql: string): Verdict | Unknown {
    const { conn, resolved: r } = latest();
    if ('error' in r) {
      return {
        action: 'deny',
        ruleId: 'invalid-policy',
        message: `the policy of connection "${conn.name}" is invalid, so nothing runs`,
        hint: r.error.split('\n').slice(0, 3).join(' '),
        sqlstate: '42501',
      };
    }
    if (kind === 'shell') return shellVerdict(sql, r.policy);
    const known = verdicts.get(sql);
    if (known) return known;
    const shape: LiteralShape | null = kind === 'sql' ? literalShape(sql) : literalShapeMysql(sql);
    const alike = shape ? shapes.get(shape.key) : undefined;
    if (shape && alike) return withTexts(alike, shape.statements);
    // a MySQL session whose statement time the agent bounds cannot change the bound (Postgres pins it at startup)
    return { unknown: true, conn, policy: r.policy, ctx: { readOnly: conn.readOnly, ...session }, shape, alike };
  }

  /** The verdict of a decision, kept for its text and its shape (unless the policy changed while it was judged). */
  function remember(sql: string, r: Unknown, d: Decision, knownFree?: boolean): Verdict {
    const verdict: Verdict = Object.freeze({
      action: d.action,
      ruleId: d.ruleId,
      message: d.reason,
      hint: d.hint,
      sqlstate: d.sqlstate,
      // statement text goes into the audit trail: masked like everything else (keys in sorted order, see cycles.ts)
      statements: d.statements.map((s) => ({
        action: s.action,
        kind: s.kind,
        ...(s.ruleId ? { ruleId: s.ruleId } : {}),
        text: auditMasker.maskText(s.text.slice(0, 4000)).text,
      })),
    });
    if (seen !== r.conn) return verdict;
    if (sql.length <= VERDICT_CACHE_TEXT) verdicts.set(sql, verdict, textBytes(sql) + verdictBytes(verdict));
    const { shape, alike } = r;
    if (shape && alike === undefined) {
      // the guard's statements must be the shape's, text for text, for another text's to stand in for them
      const same = d.statements.length === shape.statements.length && d.statements.every((s, i) => s.text === shape.statements[i]);
      const free = same && (knownFree ?? (kind === 'sql' ? literalFree(sql) : literalFreeMysql(sql)));
      // a text that reads as a plain SELECT yet was refused unread ran past the MySQL parse's time budget: that is
      // not kept for its shape (the next text of it is read again)
      if (!(free && d.ruleId === 'parse-error')) shapes.set(shape.key, free ? verdict : null, textBytes(shape.key) + (free ? verdictBytes(verdict) : 0));
    }
    return verdict;
  }

  function shellVerdict(command: string, policy: Policy): Verdict {
    const d = evaluateShell(command, policy);
    return {
      action: d.action,
      ruleId: d.ruleId,
      message: d.reason,
      hint: d.hint,
      ...(d.incomplete ? { incomplete: true } : {}),
      statements: d.commands.map((c) => ({
        text: auditMasker.maskText(c.text.slice(0, 4000)).text,
        kind: 'shell',
        action: c.action,
        ...(c.ruleId ? { ruleId: c.ruleId } : {}),
      })),
    };
  }

  /** a shape's verdict for another text of it: the same decision, each statement's text (masked) its own */
  function withTexts(v: Verdict, texts: string[]): Verdict {
    return Object.freeze({
      ...v,
      statements: v.statements!.map((s, i) => ({ ...s, text: auditMasker.maskText(texts[i]!.slice(0, 4000)).text })),
    });
  }
}

/** limits for agent (MCP) sessions; the defaults when the policy does not validate */
export function limitsFor(conn: AgentConnection): Policy['limits'] {
  return policyLimits(conn.policy);
}
