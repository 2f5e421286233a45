/**
 * The command of an exec request, read from its query as the API server reads it: every `command` parameter, in
 * order, is one word of the argv the container runs (`?command=sh&command=-c&command=rm%20-rf%20%2F`). Names and
 * values are percent-decoded and `+` is a space, as Go's url.ParseQuery does. A query the API server could read
 * differently from hoop is refused instead of judged: a `;` (Go drops such a pair), an escape that does not decode
 * (dropped too), or a parameter named `command` in another case (`Command`: ignored by the server today, but not
 * judged here, so not let through).
 */

export interface ExecCommand {
  argv: string[];
  /** the argv as one shell line, each word quoted where needed: what the shell guard judges */
  line: string;
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word as the shell reads it back: as it is when it has nothing special, else in single quotes. */
export function shellWord(w: string): string {
  if (PLAIN.test(w)) return w;
  return `'${w.replaceAll("'", `'\\''`)}'`;
}

export function execCommand(query: string): ExecCommand | { error: string } {
  const argv: string[] = [];
  if (query.includes(';')) return { error: 'the exec query has a ";", which the API server reads differently; percent-encode it (%3B)' };
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replaceAll('+', ' '));
      value = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replaceAll('+', ' '));
    } catch {
      return { error: `the exec query parameter "${part.slice(0, 80)}" is not valid percent-encoding` };
    }
    if (name === 'command') argv.push(value);
    else if (name.trim().toLowerCase() === 'command') return { error: `the exec query names its command "${name.slice(0, 40)}"; hoop reads "command" only` };
  }
  return { argv, line: argv.map(shellWord).join(' ') };
}

/**
 * A boolean query parameter (`tty`, `stdin`) as the API server converts it: absent is false; else its first value,
 * false only when it is `0`, `f` or `false` in any case (so `tty=yes` and `tty=` are true).
 */
export function queryFlag(query: string, name: string): boolean {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replaceAll('+', ' '));
      value = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replaceAll('+', ' '));
    } catch {
      continue;
    }
    if (key === name) return !['0', 'f', 'false'].includes(value.toLowerCase());
  }
  return false;
}
