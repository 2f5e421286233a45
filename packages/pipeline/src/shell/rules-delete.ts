import { DEFAULT_SHELL_SCRATCH } from '../policy/schema';
import { placedPaths, recursiveDeletion } from './deletions';
import { broadPath } from './paths';
import type { ShellCheck, ShellFinding } from './shell-check';
import { notScratch, type NotScratch } from './scratch';
import type { ResolvedWord } from './words';

const shown = (w: ResolvedWord) => (w.literal ? w.value : w.raw);

function broadTarget(what: string, w: ResolvedWord): ShellFinding | null {
  const why = broadPath(w.path, w.glob);
  if (!why) return null;
  if (w.emptied.length && w.path !== w.value) {
    const vars = w.emptied.filter((v) => /^\w+$/.test(v));
    const guard = vars[0] ? `\${${vars[0]}:?}` : 'a check that the value is not empty';
    return {
      message: `${what} on ${shown(w)} would delete ${w.path} when ${w.emptied.join(', ')} ${w.emptied.length > 1 ? 'are' : 'is'} empty or unset`,
      hint: `use ${guard} so the shell stops when it is empty, or name the path`,
    };
  }
  return {
    message: `${what} on a broad path (${shown(w)}) would delete data; remove a narrower path`,
    hint: `${shown(w)} is ${why}: name the files to delete, or request approval with --reason`,
  };
}

/** rm -r, find -delete, find -exec rm, xargs rm on /, a system directory, a home or data directory: denied by default */
export const rmRecursiveBroad: ShellCheck = (c) => {
  const d = recursiveDeletion(c);
  if (!d || !d.tree) return null;
  if (d.noPreserveRoot)
    return { message: `${d.what} turns off the protection of / and deletes everything it reaches`, hint: 'remove --no-preserve-root and name a narrower path' };
  for (const t of d.targets) {
    const f = t.narrowed ? null : broadTarget(d.what, t.word);
    if (f) return f;
  }
  return null;
};

const WHY: Record<NotScratch | 'placed' | 'follows', string> = {
  unknown: 'a path only known when the line runs',
  home: 'which is in a home directory, not a scratch path',
  parent: 'which climbs with .. and so is never taken as a scratch path',
  glob: 'a glob that can reach beyond the scratch paths',
  outside: 'which is not a scratch path',
  placed: 'where the same line moves, links or mounts other files',
  follows: 'walked with find -L, which follows symbolic links out of it',
};

/** whether a path and a place the line puts files may be the same tree, one inside the other */
function overlaps(a: ResolvedWord, b: ResolvedWord): boolean {
  if (!a.literal || !b.literal || a.value.startsWith('/') !== b.value.startsWith('/')) return true;
  const split = (w: ResolvedWord) => w.value.split('/').filter((s) => s !== '' && s !== '.');
  const x = split(a);
  const y = split(b);
  const same = (s: string, t: string) => s === t || (a.glob && /[*?[]/.test(s)) || (b.glob && /[*?[]/.test(t));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (!same(x[i]!, y[i]!)) return false;
  return true;
}

/** any other recursive deletion: held for review unless every path it deletes is a scratch path the policy lists */
export const rmRecursive: ShellCheck = (c, { all, policy }) => {
  const d = recursiveDeletion(c);
  if (!d) return null;
  const scratch = policy.guardrails.shell.scratch ?? DEFAULT_SHELL_SCRATCH;
  const listed = scratch.length === 0 ? 'this policy lists none' : `${scratch.slice(0, 4).join(', ')}${scratch.length > 4 ? ', …' : ''}`;
  const hint = `deleting outside the scratch paths (${listed}) needs a reviewer: request approval with --reason`;
  for (const t of d.targets) {
    if (t.word.value === '' && t.word.literal) continue;
    let why: NotScratch | 'placed' | 'follows' | null = t.follows ? 'follows' : notScratch(t.word, scratch);
    if (!why && placedPaths(all).some((p) => overlaps(p, t.word))) why = 'placed';
    if (why) return { message: `${d.what} deletes ${d.scope} ${shown(t.word)}, ${WHY[why]}`, hint };
  }
  if (d.unknown) return { message: `${d.what} ${d.unknown}`, hint };
  return null;
};
