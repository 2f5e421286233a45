/**
 * The line a person is typing, rebuilt from keystrokes alone. hoop cannot know what reads them (a line editor such as
 * readline, a terminal in cooked mode, a full-screen program), so three readings are kept:
 * - `edited`: as a line editor applies them — cursor keys, Home/End, Delete, Ctrl-A/E/K/U/W, backspace. Null once a
 *   key it cannot follow was typed (history, completion, Escape, other control keys): only the screen knows the line.
 * - `literal`: as a terminal in cooked mode hands them to a program with no line editor (`sh`, `bash --noediting`,
 *   a prompt after `stty -echo`): backspace, Ctrl-U and Ctrl-W edit; escape sequences and other control keys stay in
 *   the line as typed (Home there is three characters, not a cursor move).
 * - `keys`: the keys since the last one that could not be followed, edited like `edited` (what went into a program's
 *   prompt after Escape: vim's `:!…`, less's `!…`, nano's command prompt).
 */

/** Which keys a line editor's model can follow; everything else leaves only the screen to tell the line. */
class EditedLine {
  private chars: string[] = [];
  cursor = 0;
  /** the line as text, made once after each change (keys that only move the cursor leave it as it is) */
  private joined: string | null = '';

  constructor(text = '', cursor = 0) {
    if (text) this.insert(text);
    this.cursor = Math.min(Math.max(0, cursor), this.chars.length);
  }

  get length(): number {
    return this.chars.length;
  }

  insert(text: string): void {
    const add = [...text];
    // a long write is joined in, not spread into arguments (which has a bound of its own, far below what a paste may hold)
    if (add.length <= 4096) this.chars.splice(this.cursor, 0, ...add);
    else this.chars = this.chars.slice(0, this.cursor).concat(add, this.chars.slice(this.cursor));
    this.cursor += add.length;
    this.joined = null;
  }

  /** the line as it would be with `text` typed instead of the `typed` characters before the cursor */
  with(typed: number, text: string): string {
    return this.chars.slice(0, this.cursor - typed).join('') + text + this.chars.slice(this.cursor).join('');
  }

  private remove(from: number, count?: number): void {
    if (count === undefined) this.chars.splice(from);
    else this.chars.splice(from, count);
    this.joined = null;
  }

  /** applies one key; false when the key is not one a line editor model can follow */
  key(k: Key): boolean {
    switch (k.kind) {
      case 'text':
        this.insert(k.text);
        return true;
      case 'left':
        this.cursor = Math.max(0, this.cursor - 1);
        return true;
      case 'right':
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        return true;
      case 'home':
        this.cursor = 0;
        return true;
      case 'end':
        this.cursor = this.chars.length;
        return true;
      case 'delete':
        if (this.cursor < this.chars.length) this.remove(this.cursor, 1);
        return true;
      case 'ctrl':
        return this.ctrl(k.code);
      default:
        return false;
    }
  }

  private ctrl(code: number): boolean {
    switch (code) {
      case 0x7f:
      case 0x08:
        if (this.cursor > 0) this.remove(--this.cursor, 1);
        return true;
      case 0x15:
        this.remove(0, this.cursor);
        this.cursor = 0;
        return true;
      case 0x17: {
        let j = this.cursor;
        while (j > 0 && /\s/.test(this.chars[j - 1]!)) j--;
        while (j > 0 && !/\s/.test(this.chars[j - 1]!)) j--;
        this.remove(j, this.cursor - j);
        this.cursor = j;
        return true;
      }
      case 0x01:
        this.cursor = 0;
        return true;
      case 0x05:
        this.cursor = this.chars.length;
        return true;
      case 0x0b:
        this.remove(this.cursor);
        return true;
      case 0x0c:
        // clear-screen: the line stays as it is (the screen does not: see CommandLineTracker)
        return true;
      default:
        // tab completion, history (Ctrl-P/N/R/S), quoted insert, transpose, yank: only the screen shows the result
        return false;
    }
  }

  get text(): string {
    this.joined ??= this.chars.join('');
    return this.joined;
  }
}

export type Key =
  | { kind: 'text'; text: string }
  | { kind: 'left' | 'right' | 'home' | 'end' | 'delete' }
  | { kind: 'ctrl'; code: number }
  /** any other escape sequence, or Escape alone */
  | { kind: 'escape'; seq: string };

/**
 * Splits keystrokes into keys. An escape sequence cut at the end of `data` is returned in `rest`, to be completed by
 * the next keystrokes (a terminal sends one key in one write, but a connection may split it).
 */
export function splitKeys(data: string): { keys: Key[]; rest: string } {
  const keys: Key[] = [];
  let text = '';
  const flush = () => {
    if (text) keys.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < data.length) {
    const ch = data[i]!;
    const code = ch.charCodeAt(0);
    if (ch === '\x1b') {
      flush();
      const rest = data.slice(i);
      const csi = /^\x1b\[([0-9;]*)([\x20-\x2f]*)([\x40-\x7e])/.exec(rest);
      const ss3 = /^\x1bO([\x20-\x7e])/.exec(rest);
      if (csi) {
        keys.push(csiKey(csi[0], csi[1]!, csi[2]!, csi[3]!));
        i += csi[0].length;
      } else if (ss3) {
        const k = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' }[ss3[1]!];
        keys.push(k === 'left' || k === 'right' || k === 'home' || k === 'end' ? { kind: k } : { kind: 'escape', seq: ss3[0] });
        i += ss3[0].length;
      } else if (/^\x1b(\[[0-9;]*[\x20-\x2f]*|O)?$/.test(rest)) {
        // a sequence cut short at the end of this write
        return { keys, rest };
      } else {
        // Escape alone, or Alt with a key
        const alt = rest.length > 1 && rest[1] !== '\x1b' ? 2 : 1;
        keys.push({ kind: 'escape', seq: rest.slice(0, alt) });
        i += alt;
      }
      continue;
    }
    if (code < 0x20 || code === 0x7f) {
      flush();
      keys.push({ kind: 'ctrl', code });
    } else text += ch;
    i++;
  }
  flush();
  return { keys, rest: '' };
}

function csiKey(seq: string, params: string, inter: string, final: string): Key {
  if (!inter && params === '') {
    if (final === 'D') return { kind: 'left' };
    if (final === 'C') return { kind: 'right' };
    if (final === 'H') return { kind: 'home' };
    if (final === 'F') return { kind: 'end' };
  }
  if (!inter && final === '~') {
    if (params === '1' || params === '7') return { kind: 'home' };
    if (params === '4' || params === '8') return { kind: 'end' };
    if (params === '3') return { kind: 'delete' };
  }
  return { kind: 'escape', seq };
}

/** What `keys`, applied by a line editor to `text` with the cursor at `cursor`, leave: null for a key it cannot follow. */
export function applyKeys(text: string, cursor: number, keys: readonly Key[]): { text: string; cursor: number } | null {
  const e = new EditedLine(text, cursor);
  for (const k of keys) if (!e.key(k)) return null;
  return { text: e.text, cursor: e.cursor };
}

/** keys kept after one that could not be followed, line states kept before the first, and such keys (bounds on memory) */
const MAX_KEPT = 1024;
const MAX_SEGMENTS = 64;
/** characters of line states kept before the first key that could not be followed (a bound on memory and time) */
const MAX_STATE_CHARS = 1 << 20;

/** A key that could not be followed (null: keys went by unseen), when it was fed, and the keys after it (null: too many). */
export interface Segment {
  key: Key | null;
  at: number;
  keys: Key[] | null;
}

/** The three readings of the line being typed (see the top of this file). */
export class TypedLine {
  private edited = new EditedLine();
  private since = new EditedLine();
  /** each key that could not be followed, and the keys typed after it (see `afterUnfollowed`) */
  private segments: Segment[] = [];
  /** the line as a line editor had it after each key, until the first key that could not be followed */
  private states: string[] = [''];
  private stateChars = 0;
  /** the time of the keys being fed, as the caller counts it */
  private at = 0;
  private literalChars: string[] = [];
  private pending = '';
  /** whether any key so far could not be followed */
  unfollowable = false;
  /** whether any key was fed since the line began */
  touched = false;

  /** Keystrokes other than Enter; says which of them the tracker has to know about. */
  feed(data: string, at = 0): { unfollowed: boolean; clearScreen: boolean; abandoned: boolean } {
    this.at = at;
    const seen = { unfollowed: false, clearScreen: false, abandoned: false };
    if (data) this.touched = true;
    // Escape at the end of one write and a key that cannot continue a sequence in the next: the Escape key
    if (this.pending === '\x1b' && data && data[0] !== '[' && data[0] !== 'O') {
      this.settle();
      seen.unfollowed = true;
    }
    const { keys, rest } = splitKeys(this.pending + data);
    this.pending = rest;
    for (const k of keys) {
      if (k.kind === 'ctrl' && k.code === 0x0c) seen.clearScreen = true;
      if (k.kind === 'ctrl' && k.code === 0x03) seen.abandoned = true;
      if (!this.apply(k)) seen.unfollowed = true;
    }
    return seen;
  }

  /** Text pasted as a whole (bracketed paste): a line editor inserts it as it is, newlines included. */
  paste(text: string, at = 0): void {
    this.at = at;
    this.settle();
    if (text) this.touched = true;
    this.edited.insert(text);
    this.since.insert(text);
    this.keep({ kind: 'text', text });
    for (const c of text) this.literalChars.push(c);
  }

  /** an escape sequence still cut short counts as the keys it holds (Enter came: nothing completes it now) */
  settle(): void {
    if (!this.pending) return;
    // Escape alone, or Alt with `[` or `O`
    this.apply({ kind: 'escape', seq: this.pending });
    this.pending = '';
  }

  /** false when a line editor's model cannot follow the key */
  private apply(k: Key): boolean {
    this.literal(k);
    if (k.kind === 'ctrl' && k.code === 0x03) {
      // Ctrl-C: the line is abandoned, whatever reads it
      this.clear();
      return true;
    }
    if (this.edited.key(k)) {
      this.since.key(k);
      this.keep(k);
      return true;
    }
    this.unfollowable = true;
    this.since = new EditedLine();
    this.segment(k);
    return false;
  }

  private keep(k: Key): void {
    const last = this.segments.at(-1);
    if (last?.keys) {
      if (last.keys.length < MAX_KEPT) last.keys.push(k);
      else last.keys = null;
    }
    if (this.unfollowable) return;
    // a late echo may show text typed at once in pieces: the line after each character of it
    const e = this.edited;
    const chars = k.kind === 'text' ? [...k.text] : [];
    if (this.states.length + chars.length > MAX_KEPT) return;
    // a key that changed nothing (a cursor move) keeps the same string; the states of a long line soon fill the bound
    const changed = chars.length > 0 || e.text !== this.states.at(-1);
    if (changed && this.stateChars + (chars.length || 1) * e.length > MAX_STATE_CHARS) return;
    if (changed) this.stateChars += (chars.length || 1) * e.length;
    for (let i = 1; i < chars.length; i++) this.states.push(e.with(chars.length, chars.slice(0, i).join('')));
    this.states.push(e.text);
  }

  private segment(key: Key | null): void {
    if (this.segments.length >= MAX_SEGMENTS) this.segments[MAX_SEGMENTS - 1] = { key: null, at: this.at, keys: null };
    else this.segments.push({ key, at: this.at, keys: [] });
  }

  private literal(k: Key): void {
    const l = this.literalChars;
    if (k.kind === 'text') for (const c of k.text) l.push(c);
    else if (k.kind === 'ctrl') {
      if (k.code === 0x7f || k.code === 0x08) l.pop();
      else if (k.code === 0x15 || k.code === 0x03) l.length = 0;
      else if (k.code === 0x17) {
        while (l.length && /\s/.test(l.at(-1)!)) l.pop();
        while (l.length && !/\s/.test(l.at(-1)!)) l.pop();
      } else l.push(String.fromCharCode(k.code));
    } else {
      const seq = k.kind === 'escape' ? k.seq : { left: '\x1b[D', right: '\x1b[C', home: '\x1b[H', end: '\x1b[F', delete: '\x1b[3~' }[k.kind];
      for (const c of seq) l.push(c);
    }
  }

  /** as a line editor has it; null when a key could not be followed */
  get editedText(): string | null {
    return this.unfollowable ? null : this.edited.text;
  }

  get literalText(): string {
    return this.literalChars.join('');
  }

  get keysText(): string {
    return this.since.text;
  }

  /**
   * Once a key could not be followed: the line as a line editor had it after each key before the first such key, and
   * each such key with the time it was fed at and the keys typed after it, up to the next (null: more than are kept).
   * Null when every key was followed.
   */
  get afterUnfollowed(): { before: readonly string[]; segments: readonly Segment[] } | null {
    if (!this.unfollowable) return null;
    return { before: this.states, segments: this.segments };
  }

  /** keys went by that this reading did not see: a line editor's model of the line is not known */
  forget(): void {
    this.unfollowable = true;
    this.since = new EditedLine();
    this.segment(null);
  }

  clear(): void {
    this.edited = new EditedLine();
    this.since = new EditedLine();
    this.literalChars = [];
    this.pending = '';
    this.unfollowable = false;
    this.touched = false;
    this.segments = [];
    this.states = [''];
    this.stateChars = 0;
  }
}
