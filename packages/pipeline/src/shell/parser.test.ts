import { beforeAll, describe, expect, it } from 'vitest';
import { loadShellParser, parseShell } from './parser';
import type { Part, Stmt, Word } from './syntax';

/** the parser's own (slow, reflective) wrappers: the reference the fast reader is checked against */
interface PublicNode {
  Pos(): { Offset(): number };
  End(): { Offset(): number };
}
interface PublicApi {
  syntax: {
    NewParser(): { Parse(src: string, name: string): PublicNode };
    Walk(n: PublicNode, f: (n: PublicNode | null) => boolean): void;
    NodeType(n: PublicNode): string;
  };
}

let api: PublicApi;

beforeAll(async () => {
  await loadShellParser();
  const m = (await import('mvdan-sh')) as unknown as { default?: PublicApi } & PublicApi;
  api = m.default ?? m;
});

/** the words of every simple command, substitutions included */
function callWords(stmts: Stmt[], out: Word[] = []): Word[] {
  const inWord = (parts: Part[]) => {
    for (const p of parts) {
      if (p.type === 'subst') callWords(p.stmts, out);
      if (p.type === 'dbl') inWord(p.parts);
      if (p.type === 'param') for (const w of [...p.nested, ...(p.arg ? [p.arg] : [])]) inWord(w.parts);
      if (p.type === 'arith') for (const w of p.nested) inWord(w.parts);
    }
  };
  for (const s of stmts) {
    for (const r of s.redirs) for (const w of [r.word, r.hdoc]) if (w) inWord(w.parts);
    const c = s.cmd;
    if (!c) continue;
    if (c.type === 'call') {
      out.push(...c.args);
      for (const w of [...c.args, ...c.assigns.flatMap((a) => (a.value ? [a.value, ...a.nested] : a.nested))]) inWord(w.parts);
    }
    if (c.type === 'binary') callWords([c.x, c.y], out);
    if (c.type === 'function') callWords([c.body], out);
    if (c.type === 'decl') for (const w of [...c.words, ...c.assigns.flatMap((a) => (a.value ? [a.value] : []))]) inWord(w.parts);
    if (c.type === 'compound') {
      for (const w of c.words) inWord(w.parts);
      for (const l of c.lists) callWords(l, out);
    }
  }
  return out;
}

const LINES = [
  `sudo r'm' -rf "/"$HOME \${HOME:-/} $(ls) \`id\` <(cat) >(tee) $((1+2)) $[3] $'a\\tb' $"x" @(a|b) {a,b} ~/x`,
  'echo héllo "wörld" $x${y}z "${a[1]}" ${#a} ${!p} ${a/x/y} ${a:1:2} 2>/dev/null',
  'if true; then a; elif b; then c; else d; fi; for i in 1 2; do e; done; while f; do g; done',
  'case $x in a|b) h;; *) i;; esac; f() { j | k & }; ( l; m ) && { n; } || o',
  '[[ -f $x && $(p) == q ]]; ((r = $(s) + 1)); let t=1; time u; coproc v; declare -x w=1 y',
];

describe('reading the compiled parser', () => {
  it.each(LINES)('finds the same words, at the same byte offsets, as the public API: %s', (line) => {
    const expected: [number, number][] = [];
    api.syntax.Walk(api.syntax.NewParser().Parse(line, ''), (n) => {
      if (n && api.syntax.NodeType(n) === 'CallExpr') {
        for (const w of (n as unknown as { Args: PublicNode[] }).Args) expected.push([w.Pos().Offset(), w.End().Offset()]);
      }
      return true;
    });
    const r = parseShell(line);
    if (!r.ok) throw new Error(r.error.message);
    const words = callWords(r.stmts).map((w): [number, number] => [w.start, w.end]);
    const order = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];
    expect(words.sort(order)).toEqual(expected.sort(order));
  });

  it('maps every redirection operator', () => {
    const r = parseShell('a > b >> c < d <> e <& 3 >& 4 >| f <<< g &> h &>> i 2>j <<X <<-Y\nX\nY\n');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.stmts[0]!.redirs.map((x) => (x.fd ? `${x.fd}${x.op}` : x.op))).toEqual([
      '>',
      '>>',
      '<',
      '<>',
      '<&',
      '>&',
      '>|',
      '<<<',
      '&>',
      '&>>',
      '2>',
      '<<',
      '<<-',
    ]);
  });

  it('maps every parameter expansion operator', () => {
    const ops = ['+', ':+', '-', ':-', '?', ':?', '=', ':=', '%', '%%', '#', '##', '^', '^^', ',', ',,', '@'];
    const r = parseShell(`echo ${ops.map((op) => `\${a${op}${op === '@' ? 'Q' : 'w'}}`).join(' ')}`);
    if (!r.ok) throw new Error(r.error.message);
    const c = r.stmts[0]!.cmd;
    if (c?.type !== 'call') throw new Error('not a call');
    expect(c.args.slice(1).map((w) => (w.parts[0]!.type === 'param' ? w.parts[0]!.op : null))).toEqual(ops);
  });

  it('maps && || | |&', () => {
    const r = parseShell('a && b || c | d |& e');
    if (!r.ok) throw new Error(r.error.message);
    const ops: string[] = [];
    const walk = (s: Stmt) => {
      if (s.cmd?.type === 'binary') {
        ops.push(s.cmd.op);
        walk(s.cmd.x);
        walk(s.cmd.y);
      }
    };
    walk(r.stmts[0]!);
    expect(ops.sort()).toEqual(['&&', '|', '|&', '||']);
  });
});
