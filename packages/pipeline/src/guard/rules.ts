import { dropFinding, GRANT_REVOKE, READ_ONLY_OVERRIDE, TRUNCATE, withoutWhere } from '../sql/findings';
import type { BuiltinRule } from '../sql/judge';
import { constValue, isObj, names, type Obj, unwrap } from './ast';
import { explainAnalyze, type StatementInfo, statementKind } from './classify';
import { alwaysTrue } from './predicate';

const FILE_AND_SHELL_FUNCTIONS = new Set([
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'pg_ls_logdir',
  'pg_ls_waldir',
  'pg_ls_tmpdir',
  'pg_ls_archive_statusdir',
  'pg_ls_logicalsnapdir',
  'pg_ls_logicalmapdir',
  'pg_ls_replslotdir',
  'lo_import',
  'lo_export',
  'dblink',
  'dblink_exec',
  'dblink_connect',
  'dblink_connect_u',
  'dblink_send_query',
  'dblink_open',
  'pg_file_write',
  'pg_file_rename',
  'pg_file_unlink',
  'pg_file_sync',
  'pg_logdir_ls',
]);
const READ_ONLY_SETTINGS = new Set(['default_transaction_read_only', 'transaction_read_only']);
const WRITE_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

const falsy = (v: unknown) => v === false || v === 0 || (typeof v === 'string' && ['off', 'false', 'f', 'no', 'n', '0'].includes(v.trim().toLowerCase()));

/** nodes of these types anywhere in the statement, with their type */
function nodesOf(s: StatementInfo, types: string[]): [string, Obj][] {
  const out: [string, Obj][] = [];
  for (const t of types) for (const f of s.nodes.get(t) ?? []) out.push([t, f]);
  return out;
}

function any(s: StatementInfo, types: string[], pred: (f: Obj, t: string) => boolean): boolean {
  return nodesOf(s, types).some(([t, f]) => pred(f, t));
}

/** The built-in guardrails with their default actions. Each looks at the whole tree, so nesting hides nothing. */
export const BUILTIN_RULES: BuiltinRule<StatementInfo>[] = [
  {
    id: 'drop',
    action: 'deny',
    check: (s) => {
      const d = nodesOf(s, ['DropStmt', 'DropdbStmt', 'DropRoleStmt', 'DropTableSpaceStmt', 'DropOwnedStmt', 'DropSubscriptionStmt'])[0];
      if (!d) return null;
      const what =
        d[0] === 'DropStmt' && typeof d[1].removeType === 'string'
          ? d[1].removeType
              .replace(/^OBJECT_/, '')
              .replace(/_/g, ' ')
              .toLowerCase()
          : d[0]
              .replace(/^Drop|Stmt$/g, '')
              .replace(/db$/, 'database')
              .toLowerCase();
      return dropFinding(what);
    },
  },
  {
    id: 'truncate',
    action: 'deny',
    check: (s) => (nodesOf(s, ['TruncateStmt']).length ? TRUNCATE : null),
  },
  {
    id: 'delete-without-where',
    action: 'deny',
    check: (s) => (any(s, ['DeleteStmt'], (f) => !f.whereClause || alwaysTrue(f.whereClause)) ? withoutWhere('DELETE') : null),
  },
  {
    id: 'update-without-where',
    action: 'deny',
    check: (s) => (any(s, ['UpdateStmt'], (f) => !f.whereClause || alwaysTrue(f.whereClause)) ? withoutWhere('UPDATE') : null),
  },
  {
    id: 'alter-drop-column',
    action: 'deny',
    check: (s) =>
      any(s, ['AlterTableCmd'], (f) => f.subtype === 'AT_DropColumn' || f.subtype === 'AT_DropConstraint')
        ? { message: 'ALTER TABLE … DROP would remove a column or constraint and its data', hint: 'request approval, or ask an admin to change the policy' }
        : null,
  },
  {
    id: 'grant-revoke',
    action: 'deny',
    check: (s) => (nodesOf(s, ['GrantStmt', 'GrantRoleStmt', 'AlterDefaultPrivilegesStmt']).length ? GRANT_REVOKE : null),
  },
  {
    id: 'copy-program',
    action: 'deny',
    check: (s) => {
      const c = nodesOf(s, ['CopyStmt'])[0];
      if (!c) return null;
      if (c[1].is_program)
        return { message: 'COPY … PROGRAM runs a shell command on the database server', hint: 'use COPY … FROM STDIN / TO STDOUT (psql: \\copy) instead' };
      if (typeof c[1].filename === 'string')
        return {
          message: "COPY to or from a file on the database server reads or writes the server's files",
          hint: 'use COPY … FROM STDIN / TO STDOUT (psql: \\copy) instead',
        };
      return null;
    },
  },
  {
    id: 'file-and-shell-functions',
    action: 'deny',
    // calls, and the functions a CREATE OPERATOR / CAST / AGGREGATE / TRIGGER would have the server call later
    check: (s) => {
      for (const name of s.functions) {
        const fn = name.split('.').at(-1)?.toLowerCase();
        if (fn && FILE_AND_SHELL_FUNCTIONS.has(fn))
          return { message: `${fn}() reaches the server's files, shell or other databases`, hint: 'these functions are not available through hoop' };
      }
      return null;
    },
  },
  {
    id: 'dynamic-sql',
    action: 'review',
    // EXECUTE of a string built at run time, and routine bodies or DO blocks in a language hoop cannot read
    check: (s) => (s.opaque.length ? { message: s.opaque[0]!, hint: 'run the statements directly, or request approval with --reason' } : null),
  },
  {
    id: 'read-only-override',
    action: 'deny',
    check: (s) => (overridesReadOnly(s) ? READ_ONLY_OVERRIDE : null),
  },
  {
    id: 'explain-analyze-write',
    action: 'deny',
    check: (s) =>
      any(s, ['ExplainStmt'], (f) => {
        if (!explainAnalyze(f)) return false;
        const inner = unwrap(f.query);
        return Boolean(inner && (WRITE_NODES.has(inner[0]) || statementKind(inner[0], inner[1]) === 'write' || statementKind(inner[0], inner[1]) === 'ddl'));
      })
        ? { message: 'EXPLAIN ANALYZE executes the statement, and this one writes', hint: 'use EXPLAIN without ANALYZE to see the plan' }
        : null,
  },
];

function overridesReadOnly(s: StatementInfo): boolean {
  let found = false;
  for (const [t, f] of nodesOf(s, ['VariableSetStmt', 'TransactionStmt', 'FuncCall'])) {
    if (found) break;
    if (t === 'VariableSetStmt') {
      const name = typeof f.name === 'string' ? f.name.toLowerCase() : '';
      if (READ_ONLY_SETTINGS.has(name) && f.kind === 'VAR_SET_VALUE' && Array.isArray(f.args) && f.args.some((a) => falsy(constValue(a)))) found = true;
      if ((name === 'transaction' || name === 'session characteristics') && readWriteOption(f.args)) found = true;
    }
    if (t === 'TransactionStmt' && readWriteOption(f.options)) found = true;
    if (t === 'FuncCall' && names(f.funcname).at(-1)?.toLowerCase() === 'set_config' && Array.isArray(f.args)) {
      const setting = constValue(f.args[0]);
      if (typeof setting !== 'string' || READ_ONLY_SETTINGS.has(setting.toLowerCase())) {
        if (typeof setting !== 'string' || falsy(constValue(f.args[1])) || constValue(f.args[1]) === undefined) found = true;
      }
    }
  }
  return found;
}

function readWriteOption(list: Obj[string] | undefined): boolean {
  if (!Array.isArray(list)) return false;
  return list.some((o) => {
    const d = unwrap(o);
    return Boolean(d && d[0] === 'DefElem' && d[1].defname === 'transaction_read_only' && falsy(constValue(d[1].arg)));
  });
}

export { isObj };
