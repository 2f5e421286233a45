import xterm from '@xterm/headless';

const { Terminal } = xterm;

/**
 * Works out the command line a person is about to run in an interactive shell, to judge it before the Enter key
 * reaches the server. Two views are kept and both are judged:
 * - the screen: a headless terminal emulator fed with the server's output, read from where typing began to the end
 *   of the (wrapped) line. It shows what the shell really has after history recall, tab completion or any editing.
 * - the keystrokes: the line rebuilt from what was typed (printable characters, backspace, Ctrl-U/W/C, cursor left and
 *   right, Home/End). It covers the last characters whose echo has not come back yet.
 * Full-screen programs (the alternate screen: vim, less, top) are not judged; nothing typed there is a command line.
 */
export class CommandLineTracker {
  private readonly term: InstanceType<typeof Terminal>;
  private typed: string[] = [];
  private cursor = 0;
  /** keystrokes we could not follow (history, completion, escape sequences): only the screen knows the line */
  private uncertain = false;
  /** where the command line starts on screen: the cursor when typing of this line began */
  private start: { row: number; col: number } | null = null;
  private startPending = false;
  /** counts lines, so a capture queued for one line never lands on the next */
  private lineNo = 0;
  private lastOutput = 0;
  /** whether the server has sent anything since the last keystroke */
  private answered = true;

  constructor(cols: number, rows: number) {
    this.term = new Terminal({ cols: clamp(cols, 20, 1000), rows: clamp(rows, 5, 500), scrollback: 200, allowProposedApi: true });
  }

  resize(cols: number, rows: number): void {
    this.term.resize(clamp(cols, 20, 1000), clamp(rows, 5, 500));
  }

  /** Output of the server, as the client's terminal receives it. */
  output(data: string): void {
    this.lastOutput = Date.now();
    this.answered = true;
    this.term.write(data);
  }

  get fullScreen(): boolean {
    return this.term.buffer.active.type === 'alternate';
  }

  /** Keystrokes other than Enter, in the order typed. */
  input(data: string): void {
    this.answered = false;
    if (this.start === null && !this.startPending) {
      // where the cursor is once the output before this keystroke (the prompt) has been parsed
      this.startPending = true;
      const line = this.lineNo;
      this.term.write('', () => {
        if (line !== this.lineNo) return;
        this.startPending = false;
        if (this.start !== null) return;
        const b = this.term.buffer.active;
        this.start = { row: b.baseY + b.cursorY, col: b.cursorX };
      });
    }
    for (let i = 0; i < data.length; i++) {
      const ch = data[i]!;
      const code = ch.charCodeAt(0);
      if (ch === '\x1b') {
        // escape sequences: arrows, Home/End, Delete; anything else makes the keystroke view uncertain
        const rest = data.slice(i);
        const m = /^\x1b(?:\[(\d*)(~|[A-Za-z])|O([A-Za-z]))/.exec(rest);
        if (!m) {
          this.uncertain = true;
          continue;
        }
        i += m[0].length - 1;
        const key = m[2] ?? m[3];
        if (key === 'D') this.cursor = Math.max(0, this.cursor - 1);
        else if (key === 'C') this.cursor = Math.min(this.typed.length, this.cursor + 1);
        else if (key === 'H' || (key === '~' && (m[1] === '1' || m[1] === '7'))) this.cursor = 0;
        else if (key === 'F' || (key === '~' && (m[1] === '4' || m[1] === '8'))) this.cursor = this.typed.length;
        else if (key === '~' && m[1] === '3') this.typed.splice(this.cursor, 1);
        else this.uncertain = true; // up/down (history) and the rest
        continue;
      }
      if (code === 0x7f || code === 0x08) {
        if (this.cursor > 0) this.typed.splice(--this.cursor, 1);
      } else if (code === 0x15) {
        this.typed.splice(0, this.cursor);
        this.cursor = 0;
      } else if (code === 0x17) {
        let j = this.cursor;
        while (j > 0 && this.typed[j - 1] === ' ') j--;
        while (j > 0 && this.typed[j - 1] !== ' ') j--;
        this.typed.splice(j, this.cursor - j);
        this.cursor = j;
      } else if (code === 0x03) {
        this.reset();
      } else if (code === 0x01) {
        this.cursor = 0;
      } else if (code === 0x05) {
        this.cursor = this.typed.length;
      } else if (code === 0x0b) {
        this.typed.splice(this.cursor);
      } else if (code === 0x09 || code === 0x12 || code === 0x10 || code === 0x0e || code < 0x20) {
        // tab completion, reverse search, history: the shell changes the line in ways only the screen shows
        this.uncertain = true;
      } else {
        this.typed.splice(this.cursor++, 0, ch);
      }
    }
  }

  /**
   * The line as it stands when Enter is pressed: waits until the server's echo has settled (quiet for `quietMs`, at
   * most `maxWaitMs`) and the emulator has parsed everything. When only the screen can tell (history, completion), the
   * screen counts only once the server has answered the last keystroke (waiting up to `uncertainWaitMs` on a slow
   * host); until then neither reading is known and both come back null, so the line is refused, not guessed.
   */
  async lineAtEnter(quietMs = 40, maxWaitMs = 400, uncertainWaitMs = 3000): Promise<{ screen: string | null; typed: string | null; fullScreen: boolean }> {
    const uncertain = this.uncertain;
    // give the shell's redraw more time to arrive
    if (uncertain) quietMs = Math.max(quietMs, 120);
    const deadline = Date.now() + (uncertain ? Math.max(uncertainWaitMs, quietMs * 4) : Math.max(maxWaitMs, quietMs * 4));
    const answered = () => !uncertain || this.answered;
    while (Date.now() < deadline && (Date.now() - this.lastOutput < quietMs || !answered())) await sleep(quietMs / 2);
    await new Promise<void>((r) => this.term.write('', r));
    const fullScreen = this.fullScreen;
    const screen = fullScreen || !answered() ? null : this.screenLine();
    const typed = uncertain ? null : this.typed.join('');
    return { screen, typed, fullScreen };
  }

  /** Enter went through (or the line was cleared): the next keystroke starts a new line. */
  reset(): void {
    this.typed = [];
    this.cursor = 0;
    this.uncertain = false;
    this.start = null;
    // a capture still queued belongs to the line just finished
    this.startPending = false;
    this.lineNo++;
  }

  private screenLine(): string | null {
    if (!this.start) return '';
    const b = this.term.buffer.active;
    const first = this.start.row;
    if (first < 0 || first >= b.length) return null;
    let text = b.getLine(first)?.translateToString(true, this.start.col) ?? '';
    for (let y = first + 1; y < b.length; y++) {
      const line = b.getLine(y);
      if (!line?.isWrapped) break;
      text += line.translateToString(true);
    }
    return text.trim();
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
