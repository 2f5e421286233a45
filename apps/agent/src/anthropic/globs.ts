/**
 * The claude policy's globs (packages/pipeline policy schema, ClaudeSettings): tool names (`Bash`, `mcp__*`) and
 * data files (`*.csv`, `exports/**`). Both are matched without regard to case: `bash` is the Bash tool, `dump.CSV`
 * a CSV file — a name that differs from a listed one only by case gets the listed one's treatment, never a pass.
 */

const compiled = new Map<string, RegExp>();

/** `*` any run of characters but `/`, `**` any run including `/`, `?` one character but `/`; the rest literal. */
function regexOf(glob: string): RegExp {
  const known = compiled.get(glob);
  if (known) return known;
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all (`a/**/b` matches `a/b`)
      src += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${src}$`, 'is');
  if (compiled.size > 1000) compiled.clear();
  compiled.set(glob, re);
  return re;
}

/** Whether a tool name is one of `globs` (`Bash`, `mcp__*`, `mcp__hoop__run_query`). */
export function toolMatches(globs: readonly string[], name: string): boolean {
  return globs.some((g) => regexOf(g.replaceAll('/', '\u0000')).test(name.replaceAll('/', '\u0000')));
}

/**
 * Whether a file path is one of `globs`: a glob without `/` is matched against the file's name (`*.csv` matches
 * `../exports/dump.CSV`), one with `/` against the whole path, or, when it does not start with `/`, against any
 * tail of the path that starts a folder (`exports/*.json` matches `/home/a/proj/exports/x.json`). Backslashes are
 * read as `/`, and a trailing `/` or `/.` is dropped.
 */
export function fileMatches(globs: readonly string[], path: string): boolean {
  const p = path.replaceAll('\\', '/').replace(/(?:\/\.?)+$/, '');
  const name = p.slice(p.lastIndexOf('/') + 1);
  for (const g of globs) {
    if (!g.includes('/')) {
      if (regexOf(g).test(name)) return true;
      continue;
    }
    const re = regexOf(g);
    if (re.test(p)) return true;
    if (g.startsWith('/')) continue;
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) if (re.test(p.slice(i + 1))) return true;
  }
  return false;
}
