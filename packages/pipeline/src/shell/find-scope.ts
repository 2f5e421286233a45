import type { ShellCommand } from './analyze';
import { literalWord, type ResolvedWord } from './words';

// How `find` reads its arguments: options, start points, then an expression whose tests may narrow what it takes.

/** find's options before its start points, the start points (`.` when none), and whether its tests narrow what it takes */
export function findScope(c: ShellCommand): { starts: ResolvedWord[]; expr: string[]; narrowed: boolean; follows: boolean } {
  const v = c.argv.map((w) => w.value);
  let i = 1;
  let follows = false;
  while (i < v.length && /^-([HLP]|O\d*|D)$/.test(v[i]!)) {
    if (v[i] === '-L') follows = true;
    else if (v[i] === '-P') follows = false;
    i += v[i] === '-D' ? 2 : 1;
  }
  const first = i;
  while (i < v.length && !/^[-(!]/.test(v[i]!)) i++;
  const starts: ResolvedWord[] = i > first ? c.argv.slice(first, i) : [literalWord('.')];
  const expr = v.slice(i);
  return { starts, expr, narrowed: narrows(expr), follows: follows || expr.includes('-follow') };
}

/** find's options and actions that do not narrow what it matches */
const FIND_GLOBAL = new Set([
  '-depth',
  '-d',
  '-mindepth',
  '-maxdepth',
  '-xdev',
  '-mount',
  '-ignore_readdir_race',
  '-noleaf',
  '-delete',
  '-print',
  '-print0',
  '-ls',
  '-daystart',
  '-follow',
  '-true',
  '-type',
  '-xtype',
  '-nouser',
  '-nogroup',
  '-readable',
  '-writable',
]);
const FIND_VALUE = new Set(['-mindepth', '-maxdepth', '-type', '-xtype']);
const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const FIND_NAME = new Set(['-name', '-iname', '-path', '-ipath', '-wholename', '-iwholename']);

/** whether a find expression has a test (`-name '*.gz'`, `-mtime +7`) that limits what it deletes; `-o` or `!` undo it */
function narrows(expr: string[]): boolean {
  let narrowed = false;
  for (let k = 0; k < expr.length; k++) {
    const e = expr[k]!;
    if (e === '-o' || e === '-or' || e === ',' || e === '!' || e === '-not') return false;
    if (FIND_EXEC.has(e)) {
      while (k + 1 < expr.length && expr[k + 1] !== ';' && !(expr[k + 1] === '+' && expr[k] === '{}')) k++;
      k++;
    } else if (FIND_VALUE.has(e)) k++;
    else if (FIND_NAME.has(e)) {
      // `-name '*'` takes everything
      if (expr[k + 1] !== undefined && !/^[.*]*\*[.*]*$/.test(expr[k + 1]!)) narrowed = true;
      k++;
    } else if (!FIND_GLOBAL.has(e) && e !== '(' && e !== ')') narrowed = true;
  }
  return narrowed;
}
