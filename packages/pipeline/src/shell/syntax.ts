/**
 * The shell syntax tree the guard reads, and how it is read from mvdan/sh's compiled Go values (see parser.ts). The
 * parser's public wrappers build a new reflective proxy on every field read (~25 µs each, a millisecond per line), so
 * the tree is read once, straight from the compiled values, into the plain tree below.
 */

/** A word as the shell sees it: literal text, quotes and expansions next to each other (`"$HOME"/x'y'`). */
export interface Word {
  parts: Part[];
  start: number;
  end: number;
}
export type Part =
  | { type: 'lit'; value: string }
  | { type: 'sgl'; value: string; ansi: boolean }
  | { type: 'dbl'; parts: Part[] }
  /** `$x`, `${x:-y}`; `plain` when nothing but the name is used; `nested` holds words inside an index, slice or replace */
  | { type: 'param'; name: string; op: string | null; arg: Word | null; plain: boolean; nested: Word[]; start: number; end: number }
  /** `$(…)`, backquotes (`proc` false) or `<(…)`, `>(…)` (`proc` true) */
  | { type: 'subst'; stmts: Stmt[]; proc: boolean; start: number; end: number }
  | { type: 'arith'; nested: Word[]; start: number; end: number }
  | { type: 'extglob'; value: string };

export interface Redirect {
  op: string;
  fd: string | null;
  word: Word | null;
  hdoc: Word | null;
  start: number;
}
export interface Assign {
  name: string;
  value: Word | null;
  nested: Word[];
}
export interface Stmt {
  cmd: Command | null;
  redirs: Redirect[];
  background: boolean;
  start: number;
}
export type CompoundKind = 'block' | 'subshell' | 'if' | 'while' | 'for' | 'case' | 'time' | 'coproc' | 'arith' | 'test' | 'let';
export type Command =
  | { type: 'call'; assigns: Assign[]; args: Word[] }
  | { type: 'binary'; op: '&&' | '||' | '|' | '|&'; x: Stmt; y: Stmt }
  | { type: 'function'; name: string; body: Stmt }
  /** export, declare, local, readonly, typeset, nameref: flags and names come as words, `A=1` as assigns */
  | { type: 'decl'; variant: string; words: Word[]; assigns: Assign[] }
  /** everything else only holds statement lists and words: bodies, conditions, loop items, case patterns */
  | { type: 'compound'; kind: CompoundKind; lists: Stmt[][]; words: Word[] };

/** token numbers of mvdan/sh v3 (syntax/tokens.go), checked by `selfCheck` */
const REDIR_OPS: Record<number, string> = {
  54: '>',
  55: '>>',
  56: '<',
  57: '<>',
  58: '<&',
  59: '>&',
  60: '>|',
  61: '<<',
  62: '<<-',
  63: '<<<',
  64: '&>',
  65: '&>>',
};
const BINARY_OPS: Record<number, '&&' | '||' | '|' | '|&'> = { 10: '&&', 11: '||', 12: '|', 13: '|&' };
const PARAM_OPS: Record<number, string> = {
  68: '+',
  69: ':+',
  70: '-',
  71: ':-',
  72: '?',
  73: ':?',
  74: '=',
  75: ':=',
  76: '%',
  77: '%%',
  78: '#',
  79: '##',
  80: '^',
  81: '^^',
  82: ',',
  83: ',,',
  84: '@',
};

export type Go = { readonly [field: string]: unknown };

/** the compiled values do not have the shape this file reads */
export class ShapeError extends Error {}

/** the Go type of a compiled value (`CallExpr` for a `*syntax.CallExpr`), or null for nil */
function kind(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return null;
  const ctor = (v as { constructor?: { string?: unknown; nil?: unknown } }).constructor;
  if (!ctor || typeof ctor.string !== 'string' || ctor.nil === v) return null;
  return ctor.string.startsWith('*syntax.') ? ctor.string.slice(8) : ctor.string;
}

function node(v: Go, field: string): Go | null {
  const x = v[field];
  return kind(x) ? (x as Go) : null;
}

function must(v: Go, field: string): Go {
  const x = node(v, field);
  if (!x) throw new ShapeError(`missing ${field}`);
  return x;
}

function items(v: Go, field: string): Go[] {
  const s = v[field] as { $array?: unknown; $offset?: unknown; $length?: unknown } | undefined;
  if (!s || !Array.isArray(s.$array) || typeof s.$offset !== 'number' || typeof s.$length !== 'number') throw new ShapeError(`${field} is not a list`);
  const out: Go[] = [];
  for (let i = s.$offset; i < s.$offset + s.$length; i++) if (kind(s.$array[i])) out.push(s.$array[i] as Go);
  return out;
}

/** Go strings arrive as one character per UTF-8 byte */
function str(v: Go, field: string): string {
  const s = v[field];
  if (typeof s !== 'string') throw new ShapeError(`${field} is not a string`);
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

function num(v: Go, field: string): number {
  const n = v[field];
  if (typeof n !== 'number') throw new ShapeError(`${field} is not a number`);
  return n;
}

function offset(v: Go, field: string): number {
  const p = v[field] as { offs?: unknown } | undefined;
  if (!p || typeof p.offs !== 'number') throw new ShapeError(`${field} is not a position`);
  return p.offs;
}

/** the statements of a parsed `*syntax.File` (or of any node with a statement list in `field`) */
export function stmts(v: Go, field: string): Stmt[] {
  return items(v, field).map(stmt);
}

function stmt(s: Go): Stmt {
  const c = node(s, 'Cmd');
  return { cmd: c ? command(c) : null, redirs: items(s, 'Redirs').map(redirect), background: s.Background === true, start: offset(s, 'Position') };
}

function redirect(r: Go): Redirect {
  const n = node(r, 'N');
  const op = REDIR_OPS[num(r, 'Op')];
  if (!op) throw new ShapeError(`unknown redirection ${num(r, 'Op')}`);
  const w = node(r, 'Word');
  const h = node(r, 'Hdoc');
  return { op, fd: n ? str(n, 'Value') : null, word: w ? word(w) : null, hdoc: h ? word(h) : null, start: n ? offset(n, 'ValuePos') : offset(r, 'OpPos') };
}

function assign(a: Go): Assign {
  const name = node(a, 'Name');
  const value = node(a, 'Value');
  const nested = exprWords(node(a, 'Index'));
  const array = node(a, 'Array');
  if (array)
    for (const e of items(array, 'Elems')) {
      nested.push(...exprWords(node(e, 'Index')));
      const v = node(e, 'Value');
      if (v) nested.push(word(v));
    }
  return { name: name ? str(name, 'Value') : '', value: value ? word(value) : null, nested };
}

function command(c: Go): Command {
  const k = kind(c);
  const compound = (kind: CompoundKind, lists: Stmt[][], words: Word[] = []): Command => ({ type: 'compound', kind, lists, words });
  switch (k) {
    case 'CallExpr':
      return { type: 'call', assigns: items(c, 'Assigns').map(assign), args: items(c, 'Args').map(word) };
    case 'BinaryCmd': {
      const op = BINARY_OPS[num(c, 'Op')];
      if (!op) throw new ShapeError(`unknown operator ${num(c, 'Op')}`);
      return { type: 'binary', op, x: stmt(must(c, 'X')), y: stmt(must(c, 'Y')) };
    }
    case 'FuncDecl':
      return { type: 'function', name: str(must(c, 'Name'), 'Value'), body: stmt(must(c, 'Body')) };
    case 'DeclClause': {
      const words: Word[] = [];
      const assigns: Assign[] = [];
      for (const a of items(c, 'Args')) {
        const value = node(a, 'Value');
        if (a.Naked === true && value && !node(a, 'Name')) words.push(word(value));
        else assigns.push(assign(a));
      }
      return { type: 'decl', variant: str(must(c, 'Variant'), 'Value'), words, assigns };
    }
    case 'Block':
      return compound('block', [stmts(c, 'Stmts')]);
    case 'Subshell':
      return compound('subshell', [stmts(c, 'Stmts')]);
    case 'IfClause': {
      const lists: Stmt[][] = [];
      for (let clause: Go | null = c; clause; clause = node(clause, 'Else')) lists.push(stmts(clause, 'Cond'), stmts(clause, 'Then'));
      return compound('if', lists);
    }
    case 'WhileClause':
      return compound('while', [stmts(c, 'Cond'), stmts(c, 'Do')]);
    case 'ForClause': {
      const loop = must(c, 'Loop');
      const words = kind(loop) === 'WordIter' ? items(loop, 'Items').map(word) : ['Init', 'Cond', 'Post'].flatMap((f) => exprWords(node(loop, f)));
      return compound('for', [stmts(c, 'Do')], words);
    }
    case 'CaseClause': {
      const list = items(c, 'Items');
      return compound(
        'case',
        list.map((i) => stmts(i, 'Stmts')),
        [word(must(c, 'Word')), ...list.flatMap((i) => items(i, 'Patterns').map(word))],
      );
    }
    case 'TimeClause':
    case 'CoprocClause': {
      const s = node(c, 'Stmt');
      return compound(k === 'TimeClause' ? 'time' : 'coproc', s ? [[stmt(s)]] : []);
    }
    case 'ArithmCmd':
      return compound('arith', [], exprWords(node(c, 'X')));
    case 'TestClause':
      return compound('test', [], exprWords(node(c, 'X')));
    case 'LetClause':
      return compound(
        'let',
        [],
        items(c, 'Exprs').flatMap((e) => exprWords(e)),
      );
    default:
      throw new ShapeError(`unsupported command ${k}`);
  }
}

/** the words inside an arithmetic or test expression (they may hold command substitutions) */
function exprWords(e: Go | null): Word[] {
  if (!e) return [];
  const k = kind(e);
  if (k === 'Word') return [word(e)];
  if (k === 'BinaryArithm' || k === 'BinaryTest') return [...exprWords(node(e, 'X')), ...exprWords(node(e, 'Y'))];
  if (k === 'UnaryArithm' || k === 'UnaryTest' || k === 'ParenArithm' || k === 'ParenTest') return exprWords(node(e, 'X'));
  throw new ShapeError(`unsupported expression ${k}`);
}

function word(w: Go): Word {
  const parts = items(w, 'Parts');
  if (parts.length === 0) throw new ShapeError('empty word');
  return { parts: parts.map(part), start: partStart(parts[0]!), end: partEnd(parts.at(-1)!) };
}

function part(p: Go): Part {
  switch (kind(p)) {
    case 'Lit':
      return { type: 'lit', value: str(p, 'Value') };
    case 'SglQuoted':
      return { type: 'sgl', value: str(p, 'Value'), ansi: p.Dollar === true };
    case 'DblQuoted':
      return { type: 'dbl', parts: items(p, 'Parts').map(part) };
    case 'ParamExp': {
      const param = node(p, 'Param');
      const exp = node(p, 'Exp');
      const slice = node(p, 'Slice');
      const repl = node(p, 'Repl');
      const nested = [...exprWords(node(p, 'Index'))];
      if (slice) nested.push(...exprWords(node(slice, 'Offset')), ...exprWords(node(slice, 'Length')));
      if (repl) for (const f of ['Orig', 'With']) if (node(repl, f)) nested.push(word(must(repl, f)));
      const arg = exp && node(exp, 'Word') ? word(must(exp, 'Word')) : null;
      const plain = !exp && !slice && !repl && nested.length === 0 && p.Excl !== true && p.Length !== true && p.Width !== true && !p.Names;
      return {
        type: 'param',
        name: param ? str(param, 'Value') : '',
        op: exp ? paramOp(num(exp, 'Op')) : null,
        arg,
        plain,
        nested,
        start: partStart(p),
        end: partEnd(p),
      };
    }
    case 'CmdSubst':
    case 'ProcSubst':
      return { type: 'subst', stmts: stmts(p, 'Stmts'), proc: kind(p) === 'ProcSubst', start: partStart(p), end: partEnd(p) };
    case 'ArithmExp':
      return { type: 'arith', nested: exprWords(node(p, 'X')), start: partStart(p), end: partEnd(p) };
    case 'ExtGlob':
      return { type: 'extglob', value: str(must(p, 'Pattern'), 'Value') };
    default:
      throw new ShapeError(`unsupported word part ${kind(p)}`);
  }
}

function paramOp(n: number): string {
  const op = PARAM_OPS[n];
  if (!op) throw new ShapeError(`unknown expansion operator ${n}`);
  return op;
}

function partStart(p: Go): number {
  switch (kind(p)) {
    case 'Lit':
      return offset(p, 'ValuePos');
    case 'SglQuoted':
    case 'DblQuoted':
    case 'CmdSubst':
    case 'ArithmExp':
      return offset(p, 'Left');
    case 'ParamExp':
      return offset(p, 'Dollar');
    default:
      return offset(p, 'OpPos');
  }
}

function partEnd(p: Go): number {
  switch (kind(p)) {
    case 'Lit':
      return offset(p, 'ValueEnd');
    case 'SglQuoted':
    case 'DblQuoted':
    case 'CmdSubst':
      return offset(p, 'Right') + 1;
    case 'ArithmExp':
      return offset(p, 'Right') + (p.Bracket === true ? 1 : 2);
    case 'ParamExp':
      return p.Short === true ? offset(must(p, 'Param'), 'ValueEnd') : offset(p, 'Rbrace') + 1;
    case 'ProcSubst':
      return offset(p, 'Rparen') + 1;
    case 'ExtGlob':
      return offset(must(p, 'Pattern'), 'ValueEnd') + 1;
    default:
      throw new ShapeError(`unsupported word part ${kind(p)}`);
  }
}
