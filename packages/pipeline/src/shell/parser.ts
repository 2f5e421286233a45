/**
 * The shell grammar: mvdan/sh (the parser behind shfmt), compiled to JavaScript as `mvdan-sh`. The version is pinned
 * in package.json, and loading checks the shapes syntax.ts reads before the guard answers anything.
 */
/// <reference path="./mvdan-sh.d.ts" />
import { type Go, ShapeError, type Stmt, stmts } from './syntax';

export interface ParseFailure {
  message: string;
  incomplete: boolean;
}
export type Parsed = { ok: true; stmts: Stmt[] } | { ok: false; error: ParseFailure };

type ParserModule = typeof import('mvdan-sh');
type GoParser = ReturnType<ParserModule['syntax']['NewParser']>;
interface GoParseError {
  Error?: () => string;
  Text?: string;
  Incomplete?: boolean;
}

let mod: ParserModule | null = null;
let parser: GoParser | null = null;
let loading: Promise<void> | null = null;

/** Loads the shell grammar once (1.5 MB of JavaScript, loaded only by those who judge shell commands). */
export function loadShellParser(): Promise<void> {
  loading ??= import('mvdan-sh').then((m) => {
    mod = (m as { default?: ParserModule }).default ?? m;
    selfCheck();
  });
  return loading;
}

/** Parses a Bash line or script. Never throws for bad input: what the grammar rejects comes back as an error. */
export function parseShell(src: string): Parsed {
  if (!mod) throw new Error('initShellGuard() must finish before the shell guard is used');
  parser ??= mod.syntax.NewParser(mod.syntax.KeepComments(false), mod.syntax.Variant(mod.syntax.LangBash));
  let file: Go;
  try {
    file = parser.Parse(src, '').__internal_object__ as Go;
  } catch (err) {
    if (err instanceof RangeError) {
      parser = null; // a stack overflow may leave the parser half-way; start the next line on a fresh one
      return { ok: false, error: { message: 'the command is nested too deeply to read', incomplete: false } };
    }
    const e = err as GoParseError;
    const message = typeof e.Error === 'function' ? e.Error() : String(e.Text ?? err);
    return { ok: false, error: { message, incomplete: e.Incomplete === true } };
  }
  try {
    return { ok: true, stmts: stmts(file, 'Stmts') };
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, error: { message: 'the command is nested too deeply to read', incomplete: false } };
    if (err instanceof ShapeError)
      return { ok: false, error: { message: `the shell parser returned a tree hoop does not know (${err.message})`, incomplete: false } };
    throw err;
  }
}

/** Fails loading when the compiled parser's values are not the ones this file reads (e.g. after an upgrade). */
function selfCheck(): void {
  const sample = `a=1 sudo "r"'m' -rf $'x' \${HOME:-/} $(ls) <(id) $((1+2)) 2>/dev/null && b | c || d >>e <<<f &>g`;
  const r = parseShell(sample);
  const ok = r.ok && r.stmts.length === 1 && JSON.stringify(summary(r.stmts[0]!)) === EXPECTED;
  if (!ok) {
    mod = null;
    loading = null;
    throw new Error(
      `mvdan-sh does not have the shape the shell guard reads (${r.ok ? JSON.stringify(summary(r.stmts[0]!)) : r.error.message}); ` +
        `pin the version in packages/pipeline/package.json`,
    );
  }
}

const EXPECTED = JSON.stringify([
  '||',
  ['&&', ['call', 1, 'lit', 'dbl,sgl', 'lit', 'sgl', 'param:HOME::-', 'subst', 'subst', 'arith', ['>:2']], ['|', ['call', 0, 'lit'], ['call', 0, 'lit']]],
  ['call', 0, 'lit', ['>>', '<<<', '&>']],
]);

function summary(s: Stmt): unknown {
  const c = s.cmd;
  if (!c) return null;
  if (c.type === 'binary') return [c.op, summary(c.x), summary(c.y)];
  if (c.type !== 'call') return c.type;
  const redirs = s.redirs.map((r) => (r.fd ? `${r.op}:${r.fd}` : r.op));
  const words = c.args.map((w) => w.parts.map((p) => (p.type === 'param' ? `param:${p.name}:${p.op}` : p.type)).join(','));
  return ['call', c.assigns.length, ...words, ...(redirs.length ? [redirs] : [])];
}
