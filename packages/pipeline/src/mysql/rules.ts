import { type ParserRuleContext, TerminalNode } from 'antlr4ng';
import { dropFinding, GRANT_REVOKE, READ_ONLY_OVERRIDE, TRUNCATE, withoutWhere } from '../sql/findings';
import type { BuiltinRule } from '../sql/judge';
import { type MysqlStatement, words } from './classify';
import { alwaysTrueMysql } from './predicate';

const FILE_AND_SHELL_FUNCTIONS = new Set(['load_file', 'sys_exec', 'sys_eval', 'sys_get', 'sys_set', 'lib_mysqludf_sys_info']);
const READ_ONLY_VARIABLES = /^(@@((session|local|global|persist|persist_only)\.)?)?(tx_read_only|transaction_read_only)$/;
const TRUTHY = new Set(['1', 'on', 'true', "'1'", "'on'", "'true'"]);

function nodes(s: MysqlStatement, re: RegExp): ParserRuleContext[] {
  const out: ParserRuleContext[] = [];
  for (const [name, list] of s.nodes) if (re.test(name)) out.push(...list);
  return out;
}

/** the condition after WHERE in a DELETE or UPDATE, null when it has none */
function whereOf(n: ParserRuleContext): ParserRuleContext | null {
  for (let i = 0; i < n.getChildCount(); i++) {
    const c = n.getChild(i);
    if (c instanceof TerminalNode && c.getText().toLowerCase() === 'where') return (n.getChild(i + 1) as ParserRuleContext) ?? null;
  }
  return null;
}

const touchesEveryRow = (n: ParserRuleContext) => {
  const where = whereOf(n);
  return !where || alwaysTrueMysql(where);
};

/** SET … tx_read_only / transaction_read_only to anything but a plain true, and … READ WRITE transactions */
export function overridesReadOnly(s: MysqlStatement): boolean {
  for (const n of nodes(s, /^(StartTransaction|SetTransactionStatement)$/)) {
    const w = words(n);
    if (w.some((x, i) => x === 'read' && w[i + 1] === 'write')) return true;
  }
  for (const n of nodes(s, /^SetVariable$/)) {
    const w = words(n);
    for (let i = 0; i < w.length; i++) {
      const name = w[i]!;
      const scoped = ['session', 'local', 'global', 'persist', 'persist_only'].includes(w[i - 1] ?? '') || i === 1;
      if (!READ_ONLY_VARIABLES.test(name.replace(/`/g, '')) || (!scoped && !name.startsWith('@@') && w[i - 1] !== ',')) continue;
      const value = w[i + 2];
      if (!(w[i + 1] === '=' || w[i + 1] === ':=') || value === undefined || !TRUTHY.has(value) || (w[i + 3] !== undefined && w[i + 3] !== ',')) return true;
    }
  }
  return false;
}

/** PREPARE … FROM a variable (or anything but a string literal): SQL built at run time */
function preparesFromVariable(s: MysqlStatement): boolean {
  return nodes(s, /^PrepareStatement$/).some(
    (n) =>
      !n.getChild(3) ||
      !/^'/.test(
        n
          .getChild(3)!
          .getText()
          .replace(/^_[a-z0-9]+/i, ''),
      ),
  );
}

/** the variables that bound a statement's time: MariaDB's (seconds, every statement), MySQL's (ms, SELECTs) */
const STATEMENT_TIME_VARIABLES = /^(@@((session|local|global|persist|persist_only)\.)?)?(max_statement_time|max_execution_time)$/;

/**
 * What in a statement would change the time bound its session runs under, or null: a SET of max_statement_time or
 * max_execution_time in any scope or spelling (whatever the value: DEFAULT is the server's, no bound), and PREPARE
 * from a variable, whose text no one reads before it runs.
 */
export function changesStatementTime(s: MysqlStatement): string | null {
  // SQL built at run time could set it too, and nothing reads it before it runs (elsewhere it is held for review)
  if (preparesFromVariable(s)) return 'PREPARE … FROM a variable';
  for (const n of nodes(s, /^SetVariable$/)) {
    const w = words(n);
    for (let i = 0; i < w.length; i++) {
      if (STATEMENT_TIME_VARIABLES.test(w[i]!.replace(/`/g, '')) && (w[i + 1] === '=' || w[i + 1] === ':='))
        return `SET ${w[i]!.replace(/`/g, '').replace(/^@@([a-z_]+\.)?/, '')}`;
    }
  }
  return null;
}

/**
 * Whether a text holds MySQL's `/*+ MAX_EXECUTION_TIME(n) *\/` hint, which sets the bound for one SELECT (a comment
 * to the grammar, so looked for in the text as sent, strings too: a string that looks like one is refused as well,
 * erring on the safe side).
 */
export const hintsStatementTime = (sql: string): boolean => /\/\*\+[\s\S]*max_execution_time/i.test(sql);

/** The refusal of a statement that would change the session's statement time bound. */
export function statementTimeRefusal(what: string, ms: number): { ruleId: string; message: string; hint: string } {
  return {
    ruleId: 'statement-timeout',
    message: `${what} would change how long this session's statements may run: hoop bounds them to ${ms} ms`,
    hint: 'run the statement within the bound, or ask an admin to raise the statement timeout in the policy',
  };
}

/** The built-in guardrails for MySQL and MariaDB, by the policy's rule ids (one policy governs both dialects). */
export const MYSQL_RULES: BuiltinRule<MysqlStatement>[] = [
  {
    id: 'drop',
    action: 'deny',
    check: (s) => {
      const d = nodes(s, /^Drop/)[0];
      if (!d) return null;
      const what = words(d)
        .slice(1)
        .find((x) => !['temporary', 'if', 'exists', 'online', 'offline'].includes(x));
      const finding = dropFinding(what ?? '');
      return { ...finding, message: finding.message.replace('  ', ' ') };
    },
  },
  {
    id: 'truncate',
    action: 'deny',
    check: (s) => (nodes(s, /^(TruncateTable|AlterByTruncatePartition)$/).length ? TRUNCATE : null),
  },
  {
    id: 'delete-without-where',
    action: 'deny',
    check: (s) => (nodes(s, /^(Single|Multiple)DeleteStatement$/).some(touchesEveryRow) ? withoutWhere('DELETE') : null),
  },
  {
    id: 'update-without-where',
    action: 'deny',
    check: (s) => (nodes(s, /^(Single|Multiple)UpdateStatement$/).some(touchesEveryRow) ? withoutWhere('UPDATE') : null),
  },
  {
    id: 'alter-drop-column',
    action: 'deny',
    check: (s) =>
      nodes(s, /^AlterByDrop/).length
        ? { message: 'ALTER TABLE … DROP would remove a column, key, constraint or partition and its data', hint: 'request approval, or ask an admin' }
        : null,
  },
  {
    id: 'grant-revoke',
    action: 'deny',
    check: (s) =>
      nodes(s, /^(GrantStatement|GrantProxy|RoleRevoke|DetailRevoke|ShortRevoke|RevokeProxy|GrantRole|RevokeStatement)/).length ? GRANT_REVOKE : null,
  },
  {
    id: 'copy-program',
    action: 'deny',
    check: (s) => {
      if (nodes(s, /^SelectInto(TextFile|DumpFile)$/).length)
        return { message: 'SELECT … INTO OUTFILE/DUMPFILE writes a file on the database server', hint: 'select the rows and save them on your side' };
      const load = nodes(s, /^Load(Data|Xml)Statement$/).find((n) => !words(n).includes('local'));
      return load ? { message: 'LOAD DATA INFILE reads a file on the database server', hint: 'load the rows from your side, or ask an admin' } : null;
    },
  },
  {
    id: 'load-data-local',
    action: 'deny',
    check: (s) =>
      nodes(s, /^Load(Data|Xml)Statement$/).some((n) => words(n).includes('local'))
        ? { message: 'LOAD DATA LOCAL INFILE lets the server read a file from the client', hint: 'insert the rows with INSERT, or ask an admin' }
        : null,
  },
  {
    id: 'file-and-shell-functions',
    action: 'deny',
    check: (s) => {
      const fn = s.functions.map((f) => f.split('.').at(-1)!).find((f) => FILE_AND_SHELL_FUNCTIONS.has(f));
      return fn ? { message: `${fn}() reaches the server's files or shell`, hint: 'these functions are not available through hoop' } : null;
    },
  },
  {
    id: 'set-global',
    action: 'deny',
    check: (s) =>
      s.command === 'SET GLOBAL'
        ? { message: 'SET GLOBAL / PERSIST changes the server for every session', hint: 'server settings are changed by an admin, not through sessions' }
        : null,
  },
  {
    id: 'server-plugins',
    action: 'deny',
    check: (s) =>
      nodes(s, /^(InstallPlugin|InstallComponent|UninstallPlugin|UninstallComponent|CreateFunctionLoadable)$/).length
        ? { message: 'plugins, components and SONAME functions load code into the database server', hint: 'ask an admin to install it' }
        : null,
  },
  {
    id: 'dynamic-sql',
    action: 'review',
    check: (s) =>
      preparesFromVariable(s)
        ? { message: 'PREPARE … FROM a variable runs SQL built at run time, which hoop cannot check before it runs', hint: 'prepare the statement text itself' }
        : null,
  },
  {
    id: 'read-only-override',
    action: 'deny',
    check: (s) => (overridesReadOnly(s) ? READ_ONLY_OVERRIDE : null),
  },
];
