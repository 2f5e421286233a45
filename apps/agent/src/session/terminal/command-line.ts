import xterm from '@xterm/headless';
import { TypedLine } from './keystrokes';
import { CsiClamp } from './csi-clamp';
import { type LineView, screenAnswered } from './screen-echo';

const { Terminal } = xterm;

/** Output that comes this long after a keystroke, once the keystroke was answered, is not an answer to it. */
const ANSWER_MS = 1000;
/** screen readings kept after a key only the screen can follow */
const MAX_SEEN = 32;
/** views of the line kept while it is typed (see screenAnswered); past them the screen cannot vouch for the line */
const MAX_VIEWS = 512;

/** Every reading hoop has of the line Enter is about to submit (see CommandLineTracker). */
export interface LineReadings {
  /** rebuilt from keystrokes as a line editor applies them; null when a key could not be followed */
  typed: string | null;
  /** the keystrokes as a terminal in cooked mode passes them on (no line editor) */
  literal: string;
  /** keys typed since the last one that could not be followed (a full-screen program's prompt after Escape) */
  keys: string;
  /** when the screen switched while the line was typed: every key since the line began, as a line editor has them */
  before?: string;
  /** the screen from where typing of the line began to the end of its (wrapped) line; null when it cannot tell */
  screen: string | null;
  /** the whole (wrapped) row the cursor is on: a full-screen program's command line */
  row: string | null;
  /** what the screen showed of the line after the last key only the screen can follow, in order */
  seen: string[];
  /** the terminal shows its alternate screen (what full-screen programs use) */
  fullScreen: boolean;
  /** the cursor is still on the line where typing began, as a line editor keeps it */
  cursorOnLine: boolean;
  /** output came while the line was typed that answered no keystroke: something else wrote to the terminal */
  disturbed: boolean;
}

/**
 * Follows an interactive terminal to tell the line a person is about to submit with Enter, so it can be judged before
 * the Enter reaches the server. Nothing the session prints turns this off: it changes which readings exist, never
 * whether the line is judged.
 * - the keystrokes (see TypedLine): the line as a line editor, a cooked-mode terminal or a program's prompt has it.
 * - the screen: a headless terminal emulator fed with the server's output, read from where typing began. It shows
 *   what the shell really has after history recall, tab completion or any editing — unless something else painted
 *   over it, which is why output that answers no keystroke is noted, and what the screen showed after the last
 *   recall is kept (a line drawn and then painted over is still seen).
 * - the cursor's row: on the alternate screen, a program's own command line (vim's `:`, less's `!`).
 */
export class CommandLineTracker {
  private readonly term: InstanceType<typeof Terminal>;
  /** counts of step-by-step control sequences bounded by the screen (see csi-clamp.ts) */
  private readonly clamp = new CsiClamp(() => ({ cols: this.term.cols, rows: this.term.rows }));
  /** every key since the line began */
  private readonly line = new TypedLine();
  /** the keys since the terminal last switched screens (see `switched`); the same keys as `line` until it does */
  private fresh = new TypedLine();
  /** keys of the line with the count of output writes received when each was typed, to tell which came after a switch */
  private keyLog: { data: string; at: number }[] = [];
  private keyLogFull = false;
  /** where the command line starts on screen: the cursor when typing of this line began */
  private start: { row: number; col: number } | null = null;
  private startPending = false;
  /** the screen was cleared (Ctrl-L) after typing began: where the line is now is not known */
  private startLost = false;
  /** counts lines, so a capture queued for one line never lands on the next */
  private lineNo = 0;
  private lastOutput = 0;
  private lastInput = 0;
  /** whether the server has sent anything since the last keystroke */
  private answered = true;
  private typing = false;
  private disturbed = false;
  /**
   * the terminal switched screens (a program started or ended) after typing of the line began: keys typed before the
   * switch reached the agent went to the program that left, or were eaten by it, or reached the next one — only the
   * keys typed after it tell the line, and all of them still count when they trip a guardrail
   */
  private switched = false;
  /** output writes received and parsed (the emulator parses later than it receives) */
  private written = 0;
  private parsed = 0;
  /** the first output write received after typing of the line began */
  private lineFromWrite = Number.POSITIVE_INFINITY;
  /** after a key only the screen can follow: what the screen showed of the line since */
  private watching = false;
  private seen: string[] = [];
  /** the line as the screen showed it after each output write while it was typed (see screenAnswered) */
  private views: LineView[] = [];
  private viewsLost = false;

  /** `answerMs`: how late output may come after a keystroke and still answer it; `interruptMs`: see interruptAnswered */
  constructor(
    cols: number,
    rows: number,
    private readonly opts: { answerMs?: number; interruptMs?: number } = {},
  ) {
    this.term = new Terminal({ cols: clamp(cols, 20, 1000), rows: clamp(rows, 5, 500), scrollback: 200, allowProposedApi: true });
    let shown = this.term.buffer.active.type;
    // a screen switch, or a terminal reset (which stays on the normal screen)
    this.term.buffer.onBufferChange((b) => {
      const switched = b.type !== shown;
      shown = b.type;
      // the write being parsed now came before the line's first keystroke: that was the prompt's screen
      const at = this.parsed + 1;
      if (at < this.lineFromWrite) return;
      if (switched) {
        this.switched = true;
        this.fresh = new TypedLine();
        for (const k of this.keyLog) if (k.at >= at) this.fresh.feed(k.data);
        // keys beyond what the log holds: what came after the switch is not known
        if (this.keyLogFull) this.fresh.forget();
      }
      // where the line started is gone from the screen; keys typed after the switch start it anew
      const typedSince = this.keyLog.some((k) => k.at >= at);
      this.views = [];
      this.start = null;
      this.startPending = false;
      this.startLost = typedSince;
    });
  }

  resize(cols: number, rows: number): void {
    this.term.resize(clamp(cols, 20, 1000), clamp(rows, 5, 500));
  }

  /** Output of the server, as the client's terminal receives it. */
  output(data: string): void {
    const now = Date.now();
    if (this.typing && this.answered && now - this.lastInput > (this.opts.answerMs ?? ANSWER_MS)) this.disturbed = true;
    this.lastOutput = now;
    this.answered = true;
    const n = ++this.written;
    const line = this.lineNo;
    this.term.write(this.clamp.filter(data), () => {
      this.parsed = n;
      if (line !== this.lineNo) return;
      if (this.watching) this.snapshot();
      this.keepView(n);
    });
  }

  get fullScreen(): boolean {
    return this.term.buffer.active.type === 'alternate';
  }

  /** Keystrokes other than Enter, in the order typed. */
  input(data: string): void {
    this.lastInput = Date.now();
    this.answered = false;
    this.startTyping();
    this.log(data);
    this.fresh.feed(data, this.written);
    const seen = this.line.feed(data, this.written);
    if (seen.abandoned) {
      // Ctrl-C: the shell starts a new line; keys after it in this write belong to that one
      this.keyLog = [];
      this.keyLogFull = false;
      this.resetScreen();
      return;
    }
    if (seen.clearScreen) this.startLost = true;
    if (seen.unfollowed) {
      this.watching = true;
      this.seen = [];
    }
  }

  /** Text pasted as a whole (between bracketed-paste marks), once it was judged and sent. */
  paste(text: string): void {
    this.lastInput = Date.now();
    this.startTyping();
    this.line.paste(text, this.written);
    this.fresh.paste(text, this.written);
    this.log(text);
  }

  /** the typed reading so far (a paste is judged with it) */
  get typedSoFar(): string | null {
    return this.switched ? this.fresh.editedText : this.line.editedText;
  }

  private log(data: string): void {
    if (this.keyLog.length < 1024) this.keyLog.push({ data, at: this.written + 1 });
    else this.keyLogFull = true;
  }

  private startTyping(): void {
    if (!this.typing) {
      this.typing = true;
      this.lineFromWrite = this.written + 1;
    }
    this.captureStart();
  }

  private captureStart(): void {
    if (this.start !== null || this.startPending || this.startLost) return;
    // where the cursor is once the output before this keystroke (the prompt) has been parsed
    this.startPending = true;
    const line = this.lineNo;
    const n = this.written;
    this.term.write('', () => {
      if (line !== this.lineNo) return;
      this.startPending = false;
      if (this.start !== null) return;
      const b = this.term.buffer.active;
      this.start = { row: b.baseY + b.cursorY, col: b.cursorX };
      this.keepView(n);
    });
  }

  /**
   * The readings of the line as Enter is pressed: waits until the server's echo has settled (quiet for `quietMs`, at
   * most `maxWaitMs`) and the emulator has parsed everything. When only the screen can tell (history, completion), the
   * screen counts only once it shows the server's answer to every keystroke (see screenAnswered), waiting up to
   * `uncertainWaitMs` on a slow host; until then it is null (the line is refused), and so is a screen that shows nothing
   * of a line only it could tell. A full-screen program's own command line (the cursor off the line) is read off its
   * row once the server has answered the last keystroke at all.
   */
  async lineAtEnter(quietMs = 40, maxWaitMs = 400, uncertainWaitMs = 3000): Promise<LineReadings> {
    this.line.settle();
    this.fresh.settle();
    const keys = () => (this.switched ? this.fresh : this.line);
    // keys typed only before a switch: what the shell got of them, if anything, only the screen could tell
    const typedNow = () => (this.switched && !this.fresh.touched && this.line.touched ? null : keys().editedText);
    const uncertain = typedNow() === null;
    // give the shell's redraw more time to arrive
    if (uncertain) quietMs = Math.max(quietMs, 120);
    const deadline = Date.now() + (uncertain ? Math.max(uncertainWaitMs, quietMs * 4) : Math.max(maxWaitMs, quietMs * 4));
    // a line editor's line (not a full-screen program's own command line) must show the answer to every key
    const answered = () => !uncertain || (this.answered && ((this.fullScreen && !this.cursorOnLine()) || this.echoed()));
    while (Date.now() < deadline && (Date.now() - this.lastOutput < quietMs || !answered())) await sleep(quietMs / 2);
    await new Promise<void>((r) => this.term.write('', r));
    const typed = typedNow();
    const text = answered() && !this.startLost ? this.screenLine() : null;
    return {
      typed,
      literal: this.line.literalText,
      keys: keys().keysText,
      ...(this.switched ? { before: this.line.editedText ?? this.line.keysText } : {}),
      screen: typed === null && text === '' ? null : text,
      row: this.cursorRow(),
      seen: [...this.seen],
      fullScreen: this.fullScreen,
      cursorOnLine: this.cursorOnLine(),
      disturbed: this.disturbed,
    };
  }

  /**
   * Resolves once the terminal has answered what went to it last (keystrokes, or what hoop sent: `sent()`) and has been
   * quiet for `quietMs`; at most `maxMs`.
   */
  async settled(quietMs = 60, maxMs = 2000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && (!this.answered || Date.now() - this.lastOutput < quietMs)) await sleep(quietMs / 4);
  }

  /** hoop itself sent keys to the terminal (to drop a line): `settled()` waits for their answer */
  sent(): void {
    this.answered = false;
  }

  /**
   * Whether the program has answered an interrupt (Ctrl-C) that went to the terminal: output came, the cursor left the
   * row it was on or the screen switched (a shell prints a new prompt, vim leaves its command line), and the terminal
   * has been quiet for `quietMs`; false after `maxMs` without. Bash loses keys it reads before it has handled SIGINT —
   * the screen still shows them — so nothing more may reach it before: `x` of `xrm -rf /` would be lost and `rm -rf /`
   * run. Bash that got SIGINT between drawing its prompt and reading keys shows `^C` and handles it only when it reads
   * again (see ptyGate). The bound is for a program that ignores Ctrl-C and prints nothing; it is generous because a
   * shell's answer (a new prompt, its PROMPT_COMMAND hooks) took over 2 s on a loaded 2-core machine.
   */
  async interruptAnswered(quietMs = 100, maxMs = this.opts.interruptMs ?? 6000): Promise<boolean> {
    // the screen as the output received before this call left it (read in the parse's callback: later output may follow)
    const from = this.written;
    const { row, type } = await new Promise<{ row: number; type: string }>((r) =>
      this.term.write('', () => r({ row: this.term.buffer.active.baseY + this.term.buffer.active.cursorY, type: this.term.buffer.active.type })),
    );
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      await sleep(quietMs / 4);
      if (this.written === from || Date.now() - this.lastOutput < quietMs) continue;
      await new Promise<void>((r) => this.term.write('', r));
      const a = this.term.buffer.active;
      if (a.type !== type || a.baseY + a.cursorY !== row) return true;
    }
    return false;
  }

  /** Enter went through (or the line was dropped): the next keystroke starts a new line. */
  reset(): void {
    this.line.clear();
    this.fresh = new TypedLine();
    this.keyLog = [];
    this.keyLogFull = false;
    this.resetScreen();
  }

  private resetScreen(): void {
    this.start = null;
    this.startLost = false;
    // a capture still queued belongs to the line just finished
    this.startPending = false;
    this.lineNo++;
    this.typing = false;
    this.lineFromWrite = Number.POSITIVE_INFINITY;
    this.disturbed = false;
    this.switched = false;
    this.watching = false;
    this.seen = [];
    this.views = [];
    this.viewsLost = false;
  }

  /** whether the screen has answered every key of the line (see screenAnswered); true when every key was followed */
  private echoed(): boolean {
    const u = (this.switched ? this.fresh : this.line).afterUnfollowed;
    if (!u) return true;
    // typing began at the start of a row of the normal screen: before the shell's prompt, which may still be on its way
    if (!this.fullScreen && this.start?.col === 0) return false;
    const now = this.view(this.written);
    if (this.viewsLost || !now) return false;
    return screenAnswered({ before: u.before, segments: u.segments, views: [...this.views, now] });
  }

  private keepView(n: number): void {
    if (this.views.length >= MAX_VIEWS) this.viewsLost = true;
    const v = this.viewsLost ? null : this.view(n);
    if (v) this.views.push(v);
  }

  /** the line from where typing began, with the cursor's place in it, as output write `n` left it */
  private view(n: number): LineView | null {
    if (!this.start || this.startLost) return null;
    const b = this.term.buffer.active;
    const first = this.start.row;
    if (first < 0 || first >= b.length) return null;
    const last = this.lastRowOf(first);
    let text = b.getLine(first)?.translateToString(true, this.start.col) ?? '';
    for (let y = first + 1; y <= last; y++) text += b.getLine(y)?.translateToString(true) ?? '';
    const y = b.baseY + b.cursorY;
    const on = y >= first && y <= last && (y > first || b.cursorX >= this.start.col);
    return { text, cursor: on ? (y - first) * this.term.cols + b.cursorX - this.start.col : -1, n };
  }

  private snapshot(): void {
    if (this.seen.length >= MAX_SEEN || !this.start || this.startLost) return;
    const s = this.screenLine();
    if (s && s !== this.seen.at(-1)) this.seen.push(s);
  }

  /** the last row of the (wrapped) line that starts on `row` */
  private lastRowOf(row: number): number {
    const b = this.term.buffer.active;
    let y = row;
    while (y + 1 < b.length && b.getLine(y + 1)?.isWrapped) y++;
    return y;
  }

  private screenLine(): string | null {
    // no start: nothing typed yet, or what was typed is on a screen no longer shown
    if (!this.start) return this.typing ? null : '';
    return this.view(0)?.text.trim() ?? null;
  }

  private cursorRow(): string | null {
    const b = this.term.buffer.active;
    let y = b.baseY + b.cursorY;
    while (y > 0 && b.getLine(y)?.isWrapped) y--;
    let text = '';
    for (let r = y; r <= this.lastRowOf(y); r++) text += b.getLine(r)?.translateToString(true) ?? '';
    return text.trim() || null;
  }

  private cursorOnLine(): boolean {
    if (!this.start || this.startLost) return false;
    const b = this.term.buffer.active;
    const y = b.baseY + b.cursorY;
    return y >= this.start.row && y <= this.lastRowOf(this.start.row) && (y > this.start.row || b.cursorX >= this.start.col);
  }

  dispose(): void {
    this.term.dispose();
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.floor(n))) : lo;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
