import type { Verdict } from '../hooks';
import type { LineReadings } from './command-line';
import { expandsHistory } from './history-expansion';

/**
 * Judges a line submitted with Enter in an interactive terminal, from every reading hoop has of it (LineReadings),
 * as a shell command — whatever the terminal shows. Two modes, and neither lets a line through unjudged:
 *
 * - `shell` (the normal screen, or the agent's own shell is in the foreground of its terminal): the line is what a
 *   shell will run. Its reading must parse; what cannot be read is refused.
 * - `full-screen` (the alternate screen, and nothing says a shell reads the line): the line may be text typed into an
 *   editor, a program's own command line (vim `:…`, less `!…`), or a shell that printed the escape sequence to get
 *   here. It is still judged as a shell command: a harmless command or plain text passes, a line a guardrail stops is
 *   refused. A line no shell would run (a syntax error, such as code typed into vim) passes once each of its parts
 *   passed, since refusing every line of code would make editors useless; a line too long or too deep to read is
 *   refused, as is a line hoop has no reading of.
 *
 * In both modes the other readings count when they trip a guardrail: the screen and the keystrokes read otherwise
 * (a line editor's keys or a cooked-mode terminal's), what follows a `!` (the shell escape of vim, less, ed, psql,
 * mysql), the line on its own when it continues an open construct (the shell may have abandoned the construct), and
 * the line with its open quotes and blocks closed; on the alternate screen also the arguments of a program's own
 * command line (tmux `run-shell …`, vim `:call system('…')`). Bash history expansion (`!!`, `!-1`, `!rm`) is
 * refused: what it would run is not on the line.
 */

export type Judge = (command: string) => Verdict;
export type TerminalMode = 'shell' | 'full-screen';

export type LineJudgement =
  /** the line decided: `line` is what was entered, `text` the reading the verdict is about */
  | { kind: 'judged'; verdict: Verdict; text: string; line: string }
  /** an open construct (quote, `do` without `done`, trailing `\`): the shell waits for more, the whole is judged then */
  | { kind: 'incomplete'; continuation: string };

const severity = { allow: 0, review: 1, deny: 2 } as const;
/** rule ids the shell guard gives lines it could not read */
export const UNREADABLE_RULES = new Set(['parse-error', 'too-deep', 'too-long']);
/** how many `!`, prompt marks, parts of a line are looked at, so a crafted line costs bounded time */
const MAX_TAILS = 8;
const MAX_PARTS = 32;
/**
 * On the alternate screen an open construct is mostly an editor's text with an odd quote in it, judged again at every
 * Enter: only its last lines are kept (a shell joins lines across a construct; what a guardrail sees in one is near)
 */
const MAX_OPEN_TEXT = 16 * 1024;

export function unreadableLine(message: string): Verdict {
  return { action: 'deny', ruleId: 'unreadable-line', message, hint: 'press Ctrl-C and type the command again' };
}

const HISTORY: Verdict = {
  action: 'deny',
  ruleId: 'history-expansion',
  message: 'bash would replace the `!…` of this line with a line from its history, so hoop cannot tell what would run',
  hint: "type the command in full; for a program's shell escape put a space after `!` (vim `:! cmd`, less `! cmd`)",
};

type Candidate = { text: string; verdict: Verdict; primary: boolean };

export function judgeTerminalLine(guard: Judge, r: LineReadings, mode: TerminalMode, continuation: string): LineJudgement {
  // readings often agree, and closing a construct judges its text again: each text is judged once
  const memo = new Map<string, Verdict>();
  const judge: Judge = (t) => {
    let v = memo.get(t);
    if (!v) memo.set(t, (v = guard(t)));
    return v;
  };
  const full = mode === 'shell';
  const primary = primaryReading(r, mode);
  const refused = 'refused' in primary;
  const p = refused ? primary.line : primary.text;
  const joined = continuation ? `${continuation}\n${p}` : p;

  const counted: Candidate[] = [];
  const rulesOnly = new Set<string>();
  const consider = (t: string | null | undefined) => {
    if (t !== null && t !== undefined && t.trim() && (refused || t !== joined)) rulesOnly.add(t);
  };

  // the primary reading, joined to the lines of an open construct; without one the line is refused, and a guardrail
  // another reading trips names the reason instead
  let incomplete = false;
  if (refused) counted.push({ text: p, verdict: primary.refused, primary: true });
  else if (joined.trim()) {
    const v = judge(joined);
    if (v.incomplete) {
      incomplete = true;
      // a shell runs nothing before the construct closes, and judges it whole then; a program (vim `:!…'`) runs it now
      if (!full) counted.push(...ruleTrip(judge, joined, v, true));
    } else if (UNREADABLE_RULES.has(v.ruleId ?? '')) {
      if (full || v.ruleId !== 'parse-error') counted.push({ text: joined, verdict: v, primary: true });
      else counted.push(...partsTrip(judge, joined));
    } else {
      counted.push({ text: joined, verdict: v, primary: true });
      if (v.action === 'allow' && continuesOnNextLine(joined)) incomplete = true;
    }
  }

  // every other reading counts when it trips a guardrail
  if (continuation) consider(p);
  const typedKnown = r.typed !== null;
  const screenCounts = full || r.cursorOnLine;
  if (screenCounts) consider(r.screen);
  if (screenCounts && !typedKnown) for (const s of r.seen) consider(s);
  consider(r.literal);
  consider(r.before);
  if (!typedKnown) {
    consider(r.keys);
    consider(r.row);
    for (const t of promptTails(r.row ?? '')) consider(t);
  }
  for (const t of [...rulesOnly]) for (const tail of bangTails(t)) consider(tail);
  for (const t of bangTails(joined)) consider(t);
  // a program's own command line takes shell commands as arguments: tmux `run-shell …`, screen `exec …`, vim `system('…')`
  if (!full) for (const t of [p, typedKnown ? null : r.keys]) for (const arg of commandArguments(t ?? '')) consider(arg);
  // "a command named by an expansion" is about the line that runs: in a screen caught mid-redraw or a piece of a line
  // (`still-$x` of `echo still-$x`) it only says where the reading starts
  // a shell runs no open construct now, so there a reading counts when it is a whole line; a program runs it now
  for (const t of rulesOnly) counted.push(...ruleTrip(judge, t, judge(t), !full).filter((c) => c.verdict.ruleId !== 'dynamic-command'));

  // a line bash would complete from its history
  for (const t of [p, r.literal, typedKnown ? null : r.keys]) {
    if (t && expandsHistory(t)) {
      counted.push({ text: p, verdict: HISTORY, primary: false });
      break;
    }
  }

  const worst = pickWorst(counted);
  if (worst && worst.verdict.action !== 'allow') return { kind: 'judged', verdict: worst.verdict, text: worst.text, line: p };
  if (refused) return { kind: 'judged', verdict: primary.refused, text: p, line: p };
  if (incomplete) return { kind: 'incomplete', continuation: full ? joined : lastLines(joined, MAX_OPEN_TEXT) };
  return { kind: 'judged', verdict: worst?.verdict ?? { action: 'allow' }, text: joined, line: p };
}

/** The reading that decides whether the line is complete, and that must be readable; or why there is none. */
function primaryReading(r: LineReadings, mode: TerminalMode): { text: string } | { refused: Verdict; line: string } {
  if (r.typed !== null) return { text: r.typed };
  const shown = r.screen ?? r.row ?? r.keys ?? '';
  if (r.disturbed)
    return {
      refused: unreadableLine('something else wrote to the terminal while this line was typed, so the screen cannot tell what the shell would run'),
      line: shown,
    };
  if (mode === 'shell') {
    if (r.screen === null)
      return {
        refused: unreadableLine(
          'hoop could not read this command line: after history recall or completion the shell did not show it, or not every key in time',
        ),
        line: r.keys || shown,
      };
    return { text: r.screen };
  }
  // a line editor keeps the cursor on the line it edits; elsewhere it is a program's own command line
  const text = r.cursorOnLine && r.screen !== null ? r.screen : r.row;
  if (text === null) return { refused: unreadableLine('hoop could not read this line: the screen shows nothing of it'), line: r.keys || shown };
  return { text };
}

/** what counts of a verdict for a reading that only counts when it trips a guardrail; an open one when `close` says */
function ruleTrip(judge: Judge, text: string, v: Verdict, close: boolean): Candidate[] {
  if (v.incomplete) {
    if (!close) return [];
    const closed = closeConstructs(judge, text);
    if (!closed) return [];
    if (closed.verdict.incomplete || UNREADABLE_RULES.has(closed.verdict.ruleId ?? ''))
      return closed.verdict.ruleId === 'parse-error' ? partsTrip(judge, closed.text) : [];
    return closed.verdict.action === 'allow' ? [] : [{ text, verdict: closed.verdict, primary: false }];
  }
  if (v.ruleId === 'parse-error') return partsTrip(judge, text);
  if (UNREADABLE_RULES.has(v.ruleId ?? '') || v.action === 'allow') return [];
  return [{ text, verdict: v, primary: false }];
}

/** A line that does not parse, cut at shell operators: each part that trips a guardrail counts. */
function partsTrip(judge: Judge, text: string): Candidate[] {
  const parts = text
    .split(/[;&|(){}\n`]|\$\(/)
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, MAX_PARTS);
  if (parts.length === 1 && parts[0] === text.trim()) return [];
  const out: Candidate[] = [];
  for (const part of parts) {
    const v = judge(part);
    if (v.incomplete) {
      const closed = closeConstructs(judge, part);
      if (closed && !closed.verdict.incomplete && !UNREADABLE_RULES.has(closed.verdict.ruleId ?? '') && closed.verdict.action !== 'allow')
        out.push({ text: part, verdict: closed.verdict, primary: false });
    } else if (!UNREADABLE_RULES.has(v.ruleId ?? '') && v.action !== 'allow') out.push({ text: part, verdict: v, primary: false });
  }
  return out;
}

/**
 * The line with its open constructs closed (`don't` → `don't'`, `cat <<EOF` → … `EOF`, `for … do` → … `done`), so
 * what it holds can be judged; null when no closing found makes it complete.
 */
export function closeConstructs(judge: Judge, text: string): { text: string; verdict: Verdict } | null {
  let t = text;
  for (let step = 0; step < 8; step++) {
    const v = judge(t);
    if (!v.incomplete) return { text: t, verdict: v };
    const closer = closerFor(v.message ?? '');
    if (closer !== null) {
      t += closer;
      continue;
    }
    for (const c of GENERIC_CLOSERS) {
      const w = judge(t + c);
      if (!w.incomplete) return { text: t + c, verdict: w };
    }
    return null;
  }
  return null;
}

/** what closes each opening the parser names ("reached EOF without matching $( with )") */
const CLOSING: Record<string, string> = {
  '(': ')',
  '$(': ')',
  '((': '))',
  '$((': '))',
  '${': '}',
  '{': '\n}',
  '[[': ' ]]',
  '[': ' ]',
  '$[': ']',
  '<(': ')',
  '>(': ')',
};
const GENERIC_CLOSERS = ["'", '"', '`', ')', '}', '\n}', ' ]]', '\nfi', '\ndone', '\nesac', '\'"', '"\''];

/** what closes the construct the shell parser says is open */
function closerFor(message: string): string | null {
  let m: RegExpExecArray | null;
  if ((m = /closing quote (.)/.exec(message))) return m[1]!;
  if ((m = /unclosed here-document '([^']*)'/.exec(message))) return `\n${m[1]}`;
  if ((m = /matching (\S+) with/.exec(message))) return CLOSING[m[1]!] ?? null;
  if ((m = /must be followed by "(\w+)"/.exec(message)) || (m = /must end with "(\w+)"/.exec(message))) return `\n${m[1]}`;
  if (/must be followed by a statement list/.test(message)) return '\n:';
  if (/must be followed by a statement/.test(message)) return ' :';
  if (/must be followed by an expression/.test(message)) return ' 0';
  return null;
}

/** a line ending in an unescaped backslash goes on on the next line: `r\` Enter `m -rf /` is `rm -rf /` */
export function continuesOnNextLine(text: string): boolean {
  const m = /\\+$/.exec(text);
  return m !== null && m[0].length % 2 === 1;
}

/** the last whole lines of `text` that fit in `max` characters */
function lastLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.indexOf('\n', text.length - max);
  return cut < 0 ? text.slice(-max) : text.slice(cut + 1);
}

/** what follows each `!`: the shell command of vim `:!…`, `:r !…`, less `!…`, ed `!…`, psql and mysql `\!…` */
export function bangTails(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('!'); i >= 0 && out.length < MAX_TAILS; i = text.indexOf('!', i + 1)) {
    const tail = text.slice(i + 1).trim();
    if (tail) out.push(tail);
  }
  return out;
}

/** what follows the first word of a line, and what its quotes hold (`run-shell "…"`, `:call system('…')`) */
export function commandArguments(line: string): string[] {
  const out: string[] = [];
  const rest = /^\s*\S+\s+(.+)$/s.exec(line)?.[1];
  if (rest) out.push(rest);
  const re = /'([^']+)'|"((?:[^"\\]|\\.)+)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) && out.length < MAX_TAILS) out.push(m[1] ?? m[2]!);
  return out;
}

/** a row read off the screen may start with a prompt (`$ `, `# `, `> `, `% `, `: `, nano's `Command to execute: `) */
export function promptTails(row: string): string[] {
  const out: string[] = [];
  const re = /[$#>%:] /g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(row)) && out.length < MAX_TAILS) {
    const tail = row.slice(m.index + 2).trim();
    if (tail) out.push(tail);
  }
  return out;
}

/** the most severe; among equals a guardrail's verdict before "could not read", the primary reading first */
function pickWorst(cs: Candidate[]): Candidate | null {
  let worst: Candidate | null = null;
  const unread = (v: Verdict) => UNREADABLE_RULES.has(v.ruleId ?? '') || v.ruleId === 'unreadable-line' || v.ruleId === 'history-expansion';
  const rank = (c: Candidate) => severity[c.verdict.action] * 4 + (unread(c.verdict) ? 0 : 2) + (c.primary ? 1 : 0);
  for (const c of cs) if (!worst || rank(c) > rank(worst)) worst = c;
  return worst;
}
