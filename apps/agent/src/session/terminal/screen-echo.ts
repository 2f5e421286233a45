import { applyKeys, type Key, type Segment } from './keystrokes';

/** The command line as the screen showed it: its text from where typing began, and the cursor's place in it. */
export interface LineView {
  text: string;
  /** characters from the line's start; -1 when the cursor is not on the line */
  cursor: number;
  /** how many output writes had been received when the screen showed this (see CommandLineTracker) */
  n: number;
}

/** What is known of the keys of a line once some of them could only be followed on the screen (history, completion). */
export interface EchoCheck {
  /** the line as the keys had it, after each key, before the first key only the screen follows */
  before: readonly string[];
  /** each key only the screen follows, when it was sent (the count of output writes received then), and the keys after */
  segments: readonly Segment[];
  /** the views of the line, oldest first, the last one the screen now */
  views: readonly LineView[];
}

/**
 * Whether the screen shows the line once the shell has acted on every key typed — not a screen that still lags behind
 * them (a loaded host echoes late, and in pieces: `rm  /srv/app` shown while `rm -rf /srv/app` is what the shell has).
 * The caller has seen output since the last key. The shell acts on keys in order, so the screen has answered the keys
 * after a key only it follows when:
 * - they end with text: that text is on the line just before the cursor (a line editor inserts it there);
 * - they end with keys that edit or move (Backspace, Ctrl-W, Left…): a view that showed the line as it was before them
 *   (after the text typed before them; or, when there is none, a view that answers the key only the screen follows, as
 *   below), edited as a line editor does, gives the screen now, text and cursor;
 * - there are none (Enter right after an arrow key or Tab): the screen had answered every key before, so the output
 *   since answers this one; or the line is none of the states the keys gave it before (not their late echo);
 * - they are not for a line editor (after Escape: vi commands): the line is none of the states it had before (a screen
 *   that did not change may not have answered them).
 * Each key only the screen follows is checked so, in turn: the screen had answered the keys before the first when it
 * showed the line as they left it. Anything else is a screen hoop cannot vouch for: the line is not read off it.
 * (CommandLineTracker does not ask for a line whose typing began at the start of a row of the normal screen: a recall
 * typed ahead of the shell's prompt.) What the screen cannot tell: when Enter follows such a key directly, output the
 * shell still owed from before it (the rest of a prompt partly drawn when an arrow key was pressed first thing, or the
 * redraw of one recall when a second came right behind it) is taken for its answer.
 */
export function screenAnswered(c: EchoCheck): boolean {
  const first = c.segments[0];
  if (!first) return true;
  const shown = c.views.filter((v) => v.n <= first.at).at(-1);
  let answered = shown !== undefined && shown.text.trimEnd() === c.before.at(-1);
  for (let i = 0; i < c.segments.length; i++) {
    const s = c.segments[i]!;
    const next = c.segments[i + 1];
    const after = c.views.filter((v) => v.n > s.at && (!next || v.n <= next.at));
    answered = segmentAnswered(s, c.before, answered, after);
  }
  return answered;
}

function segmentAnswered(s: Segment, before: readonly string[], answeredBefore: boolean, after: readonly LineView[]): boolean {
  const now = after.at(-1);
  if (!now || now.cursor < 0 || s.key === null || s.keys === null) return false;
  /** a view that is not what the line was before the first key only the screen follows: not a late echo of those keys */
  const changed = (v: LineView) => !before.includes(v.text.trimEnd());
  if (s.keys.length === 0) return answeredBefore || changed(now);
  // Escape alone: what follows may be vi commands, which no model here follows; the line must have changed
  if (s.key.kind === 'escape' && s.key.seq === '\x1b') return changed(now);
  const keys = s.keys;
  let d = keys.length;
  while (d > 0 && keys[d - 1]!.kind !== 'text') d--;
  let t = d;
  while (t > 0 && keys[t - 1]!.kind === 'text') t--;
  const typed = keys
    .slice(t, d)
    .map((k: Key) => (k.kind === 'text' ? k.text : ''))
    .join('');
  const edits = keys.slice(d);
  for (const v of after) {
    if (v.cursor < 0) continue;
    if (typed ? !v.text.padEnd(v.cursor).slice(0, v.cursor).endsWith(typed) : !(answeredBefore || changed(v))) continue;
    const e = applyKeys(v.text, v.cursor, edits);
    if (e && e.text.trimEnd() === now.text.trimEnd() && e.cursor === now.cursor) return true;
  }
  return false;
}
