/**
 * Claude Code's Grep tool on data files. A search that names a data file (`path`), a glob of them (`*.csv`,
 * `**\/*.{csv,ts}`) or a file type of them (`csv`) is masked whole, as a Read of it is. A search of a whole tree shows
 * the lines it found after their file's path (`exports/dump.csv:12:…`, context lines with `-`): those of data files
 * are masked line by line, the rest (source code) passed.
 */
import { fileMatches } from './globs';

/** `{a,b}` alternatives of a glob, one level (what Grep's `glob` takes); at most 50 */
function alternatives(glob: string): string[] {
  const m = /^(.*?)\{([^{}]*)\}(.*)$/.exec(glob);
  if (!m) return [glob];
  return m[2]!
    .split(',')
    .slice(0, 50)
    .flatMap((alt) => alternatives(`${m[1]}${alt}${m[3]}`).slice(0, 50));
}

/** Whether a Grep call's `path`, `glob` or `type` names data files. */
export function grepsDataFiles(globs: readonly string[], input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const i = input as Record<string, unknown>;
  if (typeof i.path === 'string' && fileMatches(globs, i.path)) return true;
  if (typeof i.glob === 'string' && alternatives(i.glob).some((g) => fileMatches(globs, g))) return true;
  return typeof i.type === 'string' && /^[\w-]{1,30}$/.test(i.type) && fileMatches(globs, `x.${i.type}`);
}

/** How far into a line its file's path is looked for. */
const PATH_CHARS = 1024;

/**
 * The lines of a search's output that come from data files: those whose text up to a `:` or `-` is a data file's
 * path. Returned as [start, end) offsets in `output`; empty when there are none.
 */
export function dataFileLines(globs: readonly string[], output: string): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  while (start < output.length) {
    let end = output.indexOf('\n', start);
    if (end < 0) end = output.length;
    const limit = Math.min(end, start + PATH_CHARS);
    for (let i = start; i < limit; i++) {
      const c = output.charCodeAt(i);
      if ((c === 58 || c === 45) && i > start && fileMatches(globs, output.slice(start, i))) {
        out.push([start, end]);
        break;
      }
    }
    start = end + 1;
  }
  return out;
}
