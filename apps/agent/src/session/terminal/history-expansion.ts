/**
 * Whether an interactive bash (history expansion is on by default; zsh has it too) would replace part of the line
 * with a line from its history before running it: `!!`, `!-1`, `!rm`, `!?x?`, `!#`, or `^old^new` at the start of the
 * line. What would run is then not on the line — it may come from `history -s` or from the history file of sessions
 * hoop never saw — so such a line cannot be judged.
 *
 * Follows bash's exceptions: `!` before a blank, `=` or end of line, or before the closing quote inside double quotes;
 * `$!`, `${!name}` and `[!…]` patterns; anything in single quotes or after a backslash. Each line is read on its own,
 * as bash expands each line it reads, so a `!` inside a quote opened on an earlier line still counts.
 */
export function expandsHistory(line: string): boolean {
  if (line.startsWith('^')) return true;
  let single = false;
  let double = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (single) {
      if (ch === "'") single = false;
      continue;
    }
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === "'" && !double) {
      single = true;
      continue;
    }
    if (ch === '"') {
      double = !double;
      continue;
    }
    if (ch !== '!') continue;
    const next = line[i + 1];
    if (next === undefined || /[\s=]/.test(next)) continue;
    if (double && next === '"') continue;
    const prev = line[i - 1];
    if (prev === '$' || prev === '[' || (prev === '{' && line[i - 2] === '$')) continue;
    return true;
  }
  return false;
}
