import type { StatementKind } from '../policy/schema';
import { findAll, type Json, names, type Obj, unwrap, walk } from './ast';

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const ADMIN = new Set([
  'GrantStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'DropRoleStmt',
  'AlterSystemStmt',
  'VacuumStmt',
  'ClusterStmt',
  'ReindexStmt',
  'CheckPointStmt',
  'LoadStmt',
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'AlterDatabaseRefreshCollStmt',
  'CreateTableSpaceStmt',
  'DropTableSpaceStmt',
  'AlterTableSpaceOptionsStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'CreateSubscriptionStmt',
  'AlterSubscriptionStmt',
  'DropSubscriptionStmt',
  'CreatePublicationStmt',
  'AlterPublicationStmt',
  'CreateForeignServerStmt',
  'CreateUserMappingStmt',
  'AlterUserMappingStmt',
  'DropUserMappingStmt',
  'CreateEventTrigStmt',
  'AlterEventTrigStmt',
  'SecLabelStmt',
  'AlterOwnerStmt',
]);
const UTILITY = new Set([
  'VariableSetStmt',
  'VariableShowStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'DiscardStmt',
  'DeallocateStmt',
  'ExecuteStmt',
  'ConstraintsSetStmt',
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
  /** functions called or named anywhere (CALL, triggers, operators, casts, ALTER FUNCTION, …), schema-qualified when written so */
  functions: string[];
  /** every node of the statement (itself included) by type, collected in one walk; routine bodies are not walked */
  nodes: ReadonlyMap<string, Obj[]>;
  /** SQL the statement carries to run later or elsewhere (a routine's body, a rule's actions), judged on its own */
  inner: Inner[];
  /** code in the statement that cannot be read before it runs (EXECUTE of a built string, plpython, …): why */
  opaque: string[];
}

/** Statements found inside another one: `where` says where, for the messages ("the body of function f"). */
export interface Inner {
  where: string;
  statements: StatementInfo[];
  /** why the SQL there is refused without being read: it does not parse, or is nested too deep */
  refusal?: string;
}

/**
 * Fields that hold statements of their own: the SQL-standard body of a routine (`BEGIN ATOMIC … END`, `RETURN …`) and
 * a rule's actions. They are left out of the statement's own walk and judged as statements.
 */
export const BODY_FIELDS: Readonly<Record<string, readonly string[]>> = { CreateFunctionStmt: ['sql_body'], RuleStmt: ['actions'] };

/** definition slots of CREATE AGGREGATE / OPERATOR / TYPE / RANGE that name a function the server will call */
const FUNCTION_SLOTS = new Set([
  'sfunc',
  'finalfunc',
  'combinefunc',
  'serialfunc',
  'deserialfunc',
  'msfunc',
  'minvfunc',
  'mfinalfunc',
  'function',
  'procedure',
  'restrict',
  'join',
  'input',
  'output',
  'receive',
  'send',
  'typmod_in',
  'typmod_out',
  'analyze',
  'subscript',
  'canonical',
  'subtype_diff',
]);
const OPERATOR_NAME = /^[~!@#^&|`?+\-*/%<>=]+$/;

const OBJECT_NAMES: Record<string, string> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
};

export function commandName(type: string, f: Obj): string {
  if (type === 'DropStmt' && typeof f.removeType === 'string')
    return `DROP ${OBJECT_NAMES[f.removeType] ?? f.removeType.replace(/^OBJECT_/, '').replace(/_/g, ' ')}`;
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
/** Parse-tree node types of statements that change the schema. */
const DDL_NODE = new RegExp(
  '^(Create|Alter|Drop|Rename|Comment|Define|Composite|CreateEnum|AlterEnum|Rule|Index|View|' +
    'CreateFunction|AlterFunction|CreateTrig|CreateCast|CreatePLang|CreateConversion)',
);

export function statementKind(type: string, f: Obj): StatementKind {
  if (WRITES.has(type) || type === 'TruncateStmt' || type === 'LockStmt' || type === 'RefreshMatViewStmt') return 'write';
  if (type === 'SelectStmt') {
    if (f.intoClause) return 'ddl';
    return hasDataModifyingCte(f) ? 'write' : 'read';
  }
  if (type === 'CopyStmt') return f.is_from ? 'write' : 'read';
  // a SQL-standard routine body `RETURN expr`: an expression, whose subqueries cannot write
  if (type === 'ReturnStmt') return 'read';
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
  if (
    DDL_NODE.test(type) ||
    type === 'IndexStmt' ||
    type === 'ViewStmt' ||
    type === 'RuleStmt' ||
    type === 'CommentStmt' ||
    type === 'RenameStmt' ||
    type === 'DefineStmt' ||
    type === 'CompositeTypeStmt' ||
    type === 'CreateTableAsStmt'
  )
    return 'ddl';
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
      return !(
        v === false ||
        v === 0 ||
        v === 'false' ||
        v === 'off' ||
        v === '0' ||
        (typeof v === 'object' && v !== null && (v as { boolval?: boolean }).boolval === false)
      );
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
  if (!u) return { text, type: 'Unknown', node: {}, kind: 'unknown', command: 'UNKNOWN', tables: [], functions: [], nodes: new Map(), inner: [], opaque: [] };
  const [type, f] = u;
  const tables = new Set<string>();
  const functions = new Set<string>();
  const nodes = new Map<string, Obj[]>();
  walk(node, (t, fields) => {
    const list = nodes.get(t);
    if (list) list.push(fields);
    else nodes.set(t, [fields]);
    if (t === 'RangeVar' && typeof fields.relname === 'string')
      tables.add(typeof fields.schemaname === 'string' ? `${fields.schemaname}.${fields.relname}` : fields.relname);
    for (const fn of functionsNamed(t, fields)) if (fn.length > 0 && !OPERATOR_NAME.test(fn.at(-1)!)) functions.add(fn.join('.'));
    return BODY_FIELDS[t];
  });
  return {
    text,
    type,
    node: f,
    kind: statementKind(type, f),
    command: commandName(type, f),
    tables: [...tables],
    functions: [...functions],
    nodes,
    inner: [],
    opaque: [],
  };
}

/**
 * Functions a node calls or names: calls (also CALL), and the functions a trigger, cast, operator, aggregate, type or
 * language will call later, and routines being created, altered, renamed or dropped — so a policy rule that names a
 * function sees every way to reach it.
 */
function functionsNamed(t: string, f: Obj): string[][] {
  switch (t) {
    case 'FuncCall':
    case 'CreateTrigStmt':
    case 'CreateEventTrigStmt':
    case 'CreateFunctionStmt':
      return [names(f.funcname)];
    case 'CreateConversionStmt':
      return [names(f.func_name)];
    case 'ObjectWithArgs':
      return [names(f.objname)];
    case 'CreatePLangStmt':
      return [names(f.plhandler), names(f.plinline), names(f.plvalidator)];
    case 'CreateAmStmt':
      return [names(f.handler_name)];
    case 'DefineStmt':
    case 'CreateRangeStmt': {
      const out: string[][] = [];
      for (const d of [...(Array.isArray(f.definition) ? f.definition : []), ...(Array.isArray(f.params) ? f.params : [])]) {
        const e = unwrap(d);
        const arg = e && e[0] === 'DefElem' && typeof e[1].defname === 'string' && FUNCTION_SLOTS.has(e[1].defname.toLowerCase()) ? unwrap(e[1].arg) : null;
        if (arg?.[0] === 'TypeName') out.push(names(arg[1].names));
        else if (arg?.[0] === 'List') out.push(names(arg[1].items));
      }
      return out;
    }
    default:
      return NONE;
  }
}
const NONE: string[][] = [];

export { findAll };
