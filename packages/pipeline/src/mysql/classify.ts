import { type ParseTree, ParserRuleContext, TerminalNode, Token } from 'antlr4ng';
import type { StatementKind } from '../policy/schema';

/** A node's grammar name: the parser's context class without `Context` (`SingleDeleteStatement`, `SetVariable`). */
export const nameOf = (n: ParserRuleContext) => n.constructor.name.replace(/Context$/, '');

export interface MysqlStatement {
  text: string;
  node: ParserRuleContext;
  kind: StatementKind;
  /** SELECT, INSERT, DELETE, DROP TABLE, SET GLOBAL, CREATE PROCEDURE, … */
  command: string;
  tables: string[];
  functions: string[];
  /** every node of the statement by grammar name, without the statements it carries */
  nodes: ReadonlyMap<string, ParserRuleContext[]>;
  /** the statements a routine, trigger or event body holds, judged as top-level ones */
  inner: MysqlStatement[];
  /** where the inner statements are: "the body of PROCEDURE p" */
  where?: string;
}

/** the words of a node, lowercase, comments and spacing gone */
export function words(n: ParseTree): string[] {
  const out: string[] = [];
  const visit = (x: ParseTree) => {
    if (x instanceof TerminalNode) {
      if (x.symbol.type !== Token.EOF) out.push(x.getText().toLowerCase());
    } else for (let i = 0; i < x.getChildCount(); i++) visit(x.getChild(i)!);
  };
  visit(n);
  return out;
}

/** an identifier as MySQL means it: backticks gone, `` back to ` */
export const ident = (text: string) => text.replace(/`((?:[^`]|``)*)`/g, (_, s: string) => s.replace(/``/g, '`'));

const KINDS: [RegExp, StatementKind][] = [
  [
    new RegExp(
      '^(InsertStatement|ReplaceStatement|(Single|Multiple)?UpdateStatement|(Single|Multiple)?DeleteStatement|' +
        'LoadDataStatement|LoadXmlStatement|TruncateTable|LockTables)$',
    ),
    'write',
  ],
  [/^(CallStatement|DoStatement)$/, 'unknown'],
  [/^(SetVariable|SetNames|SetCharset|SetTransaction|SetAutocommit|SetNewValueInsideTrigger)$/, 'utility'],
  [/^(Grant|Revoke|DetailRevoke|ShortRevoke|RoleRevoke|GrantProxy|RevokeProxy|CreateUser|AlterUser|DropUser|RenameUser|SetPassword)/, 'admin'],
  [/^(Install|Uninstall|Flush|Kill|Shutdown|Restart|Reset|Purge|Change|Start(Slave|Replica|Group)|Stop|Xa|Analyze|Optimize|Check|Repair|Checksum)/, 'admin'],
  [/^(Show|Describe|FullDescribe|SimpleDescribe|Help|Use|Prepare|Execute|Deallocate|Signal|Resignal|GetDiagnostics|Diagnostics)/, 'utility'],
  [/^(StartTransaction|Begin|Commit|Rollback|SavePoint|RollbackStatement|ReleaseStatement|UnlockTables|SetAutocommit)/, 'transaction'],
  [/^(Create|Alter|Drop|Rename|Truncate)/, 'ddl'],
  [
    new RegExp(
      '^(UnionAndLateralSelect|SetOperations|WithLateral|TableStatement|ValuesStatement|ParenthesisSelect|SimpleSelect|' +
        'UnionSelect|UnionParenthesisSelect|WithStatement|HandlerStatement)',
    ),
    'read',
  ],
];

/** the nodes from SqlStatement down to the first with more than one child: DmlStatement, DeleteStatement, … */
function chain(n: ParserRuleContext): ParserRuleContext[] {
  const out = [n];
  let x = n;
  while (x.getChildCount() === 1 && x.getChild(0) instanceof ParserRuleContext) out.push((x = x.getChild(0) as ParserRuleContext));
  return out;
}

function kindOf(name: string, nodes: ReadonlyMap<string, ParserRuleContext[]>, w: string[]): StatementKind {
  if (name === 'SetVariable' && (w.includes('global') || w.includes('persist') || w.includes('persist_only') || w.some((x) => /^@@(global|persist)/.test(x))))
    return 'admin';
  if (name === 'FullDescribeStatement') {
    if (!w.includes('analyze')) return 'utility';
    for (const [k, re] of KINDS.map(([re, k]) => [k, re] as const)) if (k !== 'utility' && [...nodes.keys()].some((n) => re.test(n) && n !== name)) return k;
    return 'utility';
  }
  if (nodes.has('SelectIntoTextFile') || nodes.has('SelectIntoDumpFile')) return 'write';
  for (const [re, k] of KINDS) if (re.test(name)) return k;
  return 'unknown';
}

function commandOf(name: string, w: string[]): string {
  if (name === 'SetVariable') return w.some((x) => x === 'global' || x.startsWith('persist') || /^@@(global|persist)/.test(x)) ? 'SET GLOBAL' : 'SET';
  if (/^(Single|Multiple)(Delete|Update)Statement$/.test(name)) return name.includes('Delete') ? 'DELETE' : 'UPDATE';
  const first = w.slice(0, 3);
  if (first[0] === 'create' || first[0] === 'drop' || first[0] === 'alter') {
    const skip = new Set(['or', 'replace', 'temporary', 'definer', 'if', 'not', 'exists', 'unique', 'fulltext', 'spatial', 'online', 'offline', 'aggregate']);
    const object = w.slice(1).find((x) => !skip.has(x) && !x.startsWith('`') && !x.includes('@') && x !== '=');
    return `${first[0]} ${object ?? ''}`.trim().toUpperCase();
  }
  if (name === 'UnionAndLateralSelect' || name === 'SetOperations' || name === 'WithLateral')
    return w[0] === 'with' ? 'SELECT' : (w[0]?.toUpperCase() ?? 'SELECT');
  return (w[0] ?? name).toUpperCase();
}

/**
 * Describes one statement: its kind and command, the tables and functions it names anywhere, its nodes by grammar name
 * (one walk), and the statements inside a routine, trigger or event body, described the same way.
 */
export function describeMysql(text: string, statement: ParserRuleContext, sourceText: string): MysqlStatement {
  const nodes = new Map<string, ParserRuleContext[]>();
  const tables = new Set<string>();
  const functions = new Set<string>();
  const inner: MysqlStatement[] = [];
  const visit = (n: ParserRuleContext) => {
    const name = nameOf(n);
    if (n !== statement && name === 'SqlStatement') {
      inner.push(describeMysql(sliceOf(sourceText, n), n, sourceText));
      return;
    }
    const list = nodes.get(name);
    if (list) list.push(n);
    else nodes.set(name, [n]);
    if (name === 'TableName' || name === 'TableNameCreate') tables.add(ident(n.getText()).toLowerCase());
    if (name === 'FunctionName' || name === 'ScalarFunctionName') functions.add(ident(n.getText()).toLowerCase());
    if (name === 'CallStatement') functions.add(ident((n.getChild(1) as ParseTree).getText()).toLowerCase());
    for (let i = 0; i < n.getChildCount(); i++) {
      const c = n.getChild(i);
      if (c instanceof ParserRuleContext) visit(c);
    }
  };
  visit(statement);
  const nodesDown = chain(statement);
  const top = nodesDown.at(-1)!;
  const name = nodesDown.map(nameOf).find((x) => KINDS.some(([re]) => re.test(x))) ?? nameOf(top);
  const w = words(top);
  const command = commandOf(name, w);
  return {
    text,
    node: top,
    kind: kindOf(name, nodes, w),
    command,
    tables: [...tables],
    functions: [...functions],
    nodes,
    inner,
    ...(inner.length ? { where: `the body of ${command}${nodes.has('FullId') ? ` ${ident(nodes.get('FullId')![0]!.getText())}` : ''}` } : {}),
  };
}

function sliceOf(text: string, n: ParserRuleContext): string {
  return text.slice(n.start?.start ?? 0, (n.stop?.stop ?? text.length - 1) + 1);
}
