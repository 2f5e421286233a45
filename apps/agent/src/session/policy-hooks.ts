import {
  type ColumnMasker,
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
  type Policy,
  policyLimits,
  type ResolvedPolicy,
  resolvePolicy,
} from '@hoop/pipeline';
import type { AgentConnection } from '@hoop/protocol';
import type { SessionHooks, Verdict } from './hooks';

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

/** The hooks a connection's policy gives its sessions: the session's, and how each column of a result is masked. */
export interface PolicyHooks extends SessionHooks {
  /** the masker of one column of a result (a protocol with results builds its row masker from these) */
  columnMasker(column: ColumnRef): ColumnMasker;
  /** the session's masker under the policy as last configured (free text and JSON documents, with each call's counts) */
  masker(): Masker;
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
): PolicyHooks {
  let seen: AgentConnection | null = null;
  let resolved: ResolvedPolicy = { error: 'not resolved' };
  let masker: Masker = createMasker({ hashKey });
  let auditMasker: Masker = createMasker({ hashKey });
  const carried: Record<string, number> = {};
  const verdicts = new Map<string, Verdict>();
  /**
   * SQL verdicts by the text's shape with its numbers taken out (see literalShape, literalShapeMysql): kept only where
   * the guard says the verdict cannot depend on them (literalFree, literalFreeMysql); null for a shape where it can,
   * which is then judged every time. A session judges one kind, so Postgres and MySQL shapes never share this map.
   */
  const shapes = new Map<string, Verdict | null>();
  /** statement texts as the audit trail records them (a prepared statement's text comes back with every run) */
  const auditTexts = new Map<string, string>();
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
      if (text.length <= VERDICT_CACHE_TEXT) {
        if (auditTexts.size >= VERDICT_CACHE_ENTRIES) auditTexts.delete(auditTexts.keys().next().value!);
        auditTexts.set(text, masked);
      }
      return masked;
    },
    takeMaskCounts() {
      const counts: Record<string, number> = { ...carried };
      for (const k of Object.keys(carried)) delete carried[k];
      for (const [type, n] of Object.entries(masker.resetCounts())) counts[type] = (counts[type] ?? 0) + (n ?? 0);
      return counts;
    },
    judge(sql: string): Verdict {
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
      if (kind === 'shell') {
        const d = evaluateShell(sql, r.policy);
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
      const known = verdicts.get(sql);
      if (known) return known;
      const shape: LiteralShape | null = kind === 'sql' ? literalShape(sql) : literalShapeMysql(sql);
      const alike = shape ? shapes.get(shape.key) : undefined;
      if (shape && alike) return withTexts(alike, shape.statements);
      // a MySQL session whose statement time the agent bounds cannot change the bound (Postgres pins it at startup)
      const d = kind === 'mysql' ? evaluateMysql(sql, r.policy, { readOnly: conn.readOnly, ...session }) : evaluate(sql, r.policy, { readOnly: conn.readOnly });
      const verdict: Verdict = Object.freeze({
        action: d.action,
        ruleId: d.ruleId,
        message: d.reason,
        hint: d.hint,
        sqlstate: d.sqlstate,
        // statement text goes into the audit trail: masked like everything else
        statements: d.statements.map((s) => ({
          text: auditMasker.maskText(s.text.slice(0, 4000)).text,
          kind: s.kind,
          action: s.action,
          ...(s.ruleId ? { ruleId: s.ruleId } : {}),
        })),
      });
      if (sql.length <= VERDICT_CACHE_TEXT) {
        if (verdicts.size >= VERDICT_CACHE_ENTRIES) verdicts.delete(verdicts.keys().next().value!);
        verdicts.set(sql, verdict);
      }
      if (shape && alike === undefined) {
        // the guard's statements must be the shape's, text for text, for another text's to stand in for them
        const same = d.statements.length === shape.statements.length && d.statements.every((s, i) => s.text === shape.statements[i]);
        if (shapes.size >= VERDICT_CACHE_ENTRIES) shapes.delete(shapes.keys().next().value!);
        const free = same && (kind === 'sql' ? literalFree(sql) : literalFreeMysql(sql));
        // a text that reads as a plain SELECT yet was refused unread ran past the MySQL parse's time budget: that is
        // not kept for its shape (the next text of it is read again)
        if (!(free && d.ruleId === 'parse-error')) shapes.set(shape.key, free ? verdict : null);
      }
      return verdict;
    },
  };

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
