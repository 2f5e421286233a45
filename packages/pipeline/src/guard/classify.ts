import type { StatementKind } from '../policy/schema';
import { findAll, type Json, names, type Obj, unwrap, walk } from './ast';

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const ADMIN = new Set([
  'GrantStmt', 'GrantRoleStmt', 'AlterDefaultPrivilegesStmt', 'CreateRoleStmt', 'AlterRoleStmt', 'AlterRoleSetStmt', 'DropRoleStmt',
  'AlterSystemStmt', 'VacuumStmt', 'ClusterStmt', 'ReindexStmt', 'CheckPointStmt', 'LoadStmt', 'CreatedbStmt', 'DropdbStmt',
  'AlterDatabaseStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseRefreshCollStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt',
  'AlterTableSpaceOptionsStmt', 'ReassignOwnedStmt', 'DropOwnedStmt', 'CreateSubscriptionStmt', 'AlterSubscriptionStmt',
  'DropSubscriptionStmt', 'CreatePublicationStmt', 'AlterPublicationStmt', 'CreateForeignServerStmt', 'CreateUserMappingStmt',
  'AlterUserMappingStmt', 'DropUserMappingStmt', 'CreateEventTrigStmt', 'AlterEventTrigStmt', 'SecLabelStmt', 'AlterOwnerStmt',
]);
const UTILITY = new Set([
  'VariableSetStmt', 'VariableShowStmt', 'ListenStmt', 'UnlistenStmt', 'NotifyStmt', 'FetchStmt', 'ClosePortalStmt',
  'DiscardStmt', 'DeallocateStmt', 'ExecuteStmt', 'ConstraintsSetStmt',
]);

export interface StatementInfo {
  /** the statement's own text, cut from the string it came in */
  text: string;
  type: string;
  node: Obj;
  kind: StatementKind;
  /** e.g. SELECT, DELETE, DROP TABLE, CREATE INDEX, ALTER TABLE */
  command: string;
  /** tables referenced anywhere, schema-qualified when written so */
  tables: string[];
  /** functions called anywhere, schema-qualified when written so */
  functions: string[];
  /** every node of the statement (itself included) by type, collected in one walk */
  nodes: ReadonlyMap<string, Obj[]>;
}

const OBJECT_NAMES: Record<string, string> = { OBJECT_MATVIEW: 'MATERIALIZED VIEW', OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE', OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER' };

export function commandName(type: string, f: Obj): string {
  if (type === 'DropStmt' && typeof f.removeType === 'string') return `DROP ${OBJECT_NAMES[f.removeType] ?? f.removeType.replace(/^OBJECT_/, '').replace(/_/g, ' ')}`;
  if (type === 'TransactionStmt' && typeof f.kind === 'string') return f.kind.replace(/^TRANS_STMT_/, '').replace(/_/g, ' ');
  if (type === 'VariableSetStmt') return f.kind === 'VAR_RESET' || f.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET';
  if (type === 'VariableShowStmt') return 'SHOW';
  if (type === 'IndexStmt') return 'CREATE INDEX';
  if (type === 'ViewStmt') return 'CREATE VIEW';
  if (type === 'CreatedbStmt') return 'CREATE DATABASE';
  if (type === 'DropdbStmt') return 'DROP DATABASE';
  if (type === 'CreateTableAsStmt') return f.objtype === 'OBJECT_MATVIEW' ? 'CREATE MATERIALIZED VIEW' : 'CREATE TABLE AS';
  if (type === 'DoStmt') return 'DO';
  if (type === 'CopyStmt') return 'COPY';
  return type
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** The kind of one top-level statement, looking inside wrappers (EXPLAIN ANALYZE, PREPARE, CTEs, DECLARE). */
export function statementKind(type: string, f: Obj): StatementKind {
  if (WRITES.has(type) || type === 'TruncateStmt' || type === 'LockStmt' || type === 'RefreshMatViewStmt') return 'write';
  if (type === 'SelectStmt') {
    if (f.intoClause) return 'ddl';
    return hasDataModifyingCte(f) ? 'write' : 'read';
  }
  if (type === 'CopyStmt') return f.is_from ? 'write' : 'read';
  if (type === 'TransactionStmt') return 'transaction';
  if (type === 'ExplainStmt') {
    if (!explainAnalyze(f)) return 'utility';
    const inner = unwrap(f.query);
    return inner ? statementKind(inner[0], inner[1]) : 'unknown';
  }
  if (type === 'PrepareStmt' || type === 'DeclareCursorStmt') {
    const inner = unwrap(f.query);
    return inner ? statementKind(inner[0], inner[1]) : 'unknown';
  }
  if (ADMIN.has(type)) return 'admin';
  if (UTILITY.has(type)) return 'utility';
  if (type === 'DoStmt' || type === 'CallStmt') return 'unknown';
  if (/^(Create|Alter|Drop|Rename|Comment|Define|Composite|CreateEnum|AlterEnum|Rule|Index|View|CreateFunction|AlterFunction|CreateTrig|CreateCast|CreatePLang|CreateConversion)/.test(type) || type === 'IndexStmt' || type === 'ViewStmt' || type === 'RuleStmt' || type === 'CommentStmt' || type === 'RenameStmt' || type === 'DefineStmt' || type === 'CompositeTypeStmt' || type === 'CreateTableAsStmt') return 'ddl';
  return 'unknown';
}

export function explainAnalyze(f: Obj): boolean {
  if (!Array.isArray(f.options)) return false;
  for (const o of f.options) {
    const d = unwrap(o);
    if (d && d[0] === 'DefElem' && d[1].defname === 'analyze') {
      const arg = unwrap(d[1].arg);
      if (!arg) return true;
      const v = arg[1].sval ?? arg[1].boolval ?? arg[1].ival;
      return !(v === false || v === 0 || v === 'false' || v === 'off' || v === '0' || (typeof v === 'object' && v !== null && (v as { boolval?: boolean }).boolval === false));
    }
  }
  return false;
}

function hasDataModifyingCte(root: Obj): boolean {
  let found = false;
  walk({ SelectStmt: root }, (t, f) => {
    if (t === 'CommonTableExpr' && unwrap(f.ctequery) && WRITES.has(unwrap(f.ctequery)![0])) found = true;
  });
  return found;
}

export function describeStatement(text: string, node: Json): StatementInfo {
  const u = unwrap(node);
  if (!u) return { text, type: 'Unknown', node: {}, kind: 'unknown', command: 'UNKNOWN', tables: [], functions: [], nodes: new Map() };
  const [type, f] = u;
  const tables = new Set<string>();
  const functions = new Set<string>();
  const nodes = new Map<string, Obj[]>();
  walk(node, (t, fields) => {
    const list = nodes.get(t);
    if (list) list.push(fields);
    else nodes.set(t, [fields]);
    if (t === 'RangeVar' && typeof fields.relname === 'string') tables.add(typeof fields.schemaname === 'string' ? `${fields.schemaname}.${fields.relname}` : fields.relname);
    if (t === 'FuncCall') functions.add(names(fields.funcname).join('.'));
  });
  return { text, type, node: f, kind: statementKind(type, f), command: commandName(type, f), tables: [...tables], functions: [...functions], nodes };
}

export { findAll };
