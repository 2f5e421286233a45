import { WAITING_PREFIX } from '@hoop/protocol';
import type { Verdict } from '../hooks';
import type { CommandLineTracker } from './command-line';
import { drained, type Gate, type GateContext, type GateTarget, refusal, reviewRefusal } from './gates';
import { judgeTerminalLine, type TerminalMode } from './line-judge';
import type { OutputPipe } from '../output-pipe';

const severity = { allow: 0, review: 1, deny: 2 } as const;

/** bracketed-paste marks: terminals send them around pasted text when the program asked for them */
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
const MAX_PASTE = 1024 * 1024;

/**
 * Interactive terminal: keystrokes pass as typed; Enter is held until the line is judged (see judgeTerminalLine), in
 * every state of the terminal. A bracketed paste is held whole until each of its lines was judged: a line the shell
 * would refuse stops all of it, as a shell with bracketed paste runs the pasted lines together at the next Enter.
 */
export function ptyGate(ctx: GateContext, target: GateTarget, out: OutputPipe, tracker: CommandLineTracker): Gate {
  /** keys not passed on yet: typed ahead of a line being judged (or in review), or of a target that does not read */
  const queue: string[] = [];
  /** the length of what is in `queue` */
  let queued = 0;
  let busy = false;
  let ending = false;
  /** earlier lines of a construct still open (a quote, `for … do` without `done`): the shell is waiting for more */
  let continuation = '';
  /** a bracketed paste being collected: none of it goes on before it was judged whole */
  let paste: string | null = null;
  let pasteTooBig = false;
  /** the last bytes passed on, to find a paste mark the connection cut in two */
  let tail = '';

  const take = () => {
    const chunk = queue.shift()!;
    queued -= chunk.length;
    return chunk;
  };
  const putBack = (rest: string) => {
    queue.unshift(rest);
    queued += rest.length;
  };
  /** says what the gate holds: keys waiting their turn and a paste being collected */
  const held = () => {
    if (ctx.hold(queued + (paste?.length ?? 0))) return true;
    queue.length = queued = 0;
    paste = null;
    return false;
  };

  const pass = (text: string) => {
    if (!text) return;
    tracker.input(text);
    target.write(text);
    tail = (tail + text).slice(-(PASTE_START.length - 1));
  };
  /**
   * How a line is judged: as a full-screen program's on the alternate screen, unless the agent can see that a shell
   * holds the terminal (command connections, where it runs the terminal) — then the screen was switched by output.
   */
  const modeOf = (fullScreen: boolean) => {
    const fg = target.foreground?.() ?? null;
    const m: TerminalMode = fullScreen && fg !== 'shell' ? 'full-screen' : 'shell';
    return { m, info: { terminal: m, ...(fg ? { foreground: fg } : {}) } };
  };
  /**
   * Ctrl-C went to the program: what follows waits until it has handled it (see interruptAnswered). A program that
   * shows no answer in time gets Ctrl-C once more: bash that got SIGINT between drawing its prompt and reading keys
   * shows `^C`, re-arms its terminal and handles the interrupt only when the next key comes — it loses that key while
   * the screen shows it (`xrm -rf /srv` shown, `rm -rf /srv` run, or the whole line gone) — and handles another Ctrl-C
   * at once.
   */
  const interrupted = async () => {
    if (await tracker.interruptAnswered()) return;
    ctx.log.info('the program showed no answer to Ctrl-C: sent once more before the keys typed after it');
    target.write('\x03');
    await tracker.interruptAnswered();
  };
  const say = (m: TerminalMode, text: string, color: 31 | 33) =>
    out.inject(`\r\n\x1b[${color}mhoop: ${text}${m === 'full-screen' ? ' (Ctrl-L redraws the screen)' : ''}\x1b[0m\r\n`);

  /**
   * Holds a line for review when its verdict says so: `run` once approved, else not, after saying why and recording
   * it; null for any other verdict.
   */
  const reviewed = async (
    verdict: Verdict,
    text: string,
    m: TerminalMode,
    record: (v: Verdict, extra: Record<string, unknown>) => void,
  ): Promise<{ run: boolean; reviewId?: string } | null> => {
    if (verdict.action !== 'review') return null;
    const u = await ctx.review(text, verdict, (p) => say(m, `${WAITING_PREFIX}: ${p.url ?? p.reviewId}`, 33));
    if (u.status === 'approved') return { run: true, ...(u.reviewId ? { reviewId: u.reviewId } : {}) };
    record(verdict, { executed: false, reviewStatus: u.status });
    say(m, reviewRefusal(u), 31);
    return { run: false };
  };

  const enterLine = async (enter: string) => {
    const line = await tracker.lineAtEnter();
    const { m, info } = modeOf(line.fullScreen);
    const judged = judgeTerminalLine(ctx.judge, line, m, continuation);
    if (judged.kind === 'incomplete') {
      // nothing runs until the construct is closed; the whole of it is judged then
      continuation = judged.continuation;
      tracker.reset();
      target.write(enter);
      return;
    }
    const inConstruct = continuation !== '';
    continuation = '';
    const { verdict, text, line: entered } = judged;
    /**
     * Drops the refused line, whatever reads it. At a shell prompt: end-of-line and kill-line empty the line (with the
     * cursor anywhere, in emacs or vi editing mode, or in a cooked-mode terminal), and `#` with Enter submits a
     * comment that runs nothing even if some of the line was left (vi mode kills only up to the cursor), without a
     * SIGINT that would throw away lines typed ahead. In an open construct, in a full-screen program, or for a
     * program's `!` escape, Ctrl-C abandons it instead (`#` means something to vim and less) — one step at a time: once
     * the program has read the whole line, the line is emptied, and once that is done, interrupted (a shell that gets
     * SIGINT while keys are unread may keep part of its line); keys typed after wait until it has handled the interrupt.
     */
    const dropLine = async () => {
      if (!(m === 'full-screen' || inConstruct || entered.includes('!'))) {
        target.write('\x05\x15#\r');
        return;
      }
      await tracker.settled();
      target.write('\x05\x15');
      tracker.sent();
      await tracker.settled();
      target.write('\x03');
      await interrupted();
    };
    if (!entered.trim() && verdict.action === 'allow') {
      tracker.reset();
      target.write(enter);
      return;
    }
    const record = (v: Verdict, extra: Record<string, unknown>) => ctx.record(entered, v, { ...extra, ...info });
    const review = await reviewed(verdict, text, m, record);
    // a session that ended meanwhile runs nothing more
    if (review?.run && !held()) return;
    if (review ? !review.run : verdict.action === 'deny') {
      if (!review) {
        record(verdict, { executed: false });
        say(m, refusal(verdict), 31);
      }
      tracker.reset();
      await dropLine();
      return;
    }
    record(verdict, { executed: true, ...(review?.reviewId ? { reviewId: review.reviewId } : {}) });
    tracker.reset();
    target.write(enter);
  };

  /** a whole bracketed paste: each line it ends is judged as if typed and entered; all of it goes on, or none */
  const pasted = async (content: string, tooBig: boolean) => {
    const { m, info } = modeOf(tracker.fullScreen);
    const shown = content.length > 4000 ? `${content.slice(0, 4000)}…` : content;
    const record = (v: Verdict, extra: Record<string, unknown>) => ctx.record(shown, v, { ...extra, pasted: true, ...info });
    const refuse = (v: Verdict) => {
      record(v, { executed: false });
      say(m, refusal(v), 31);
      // the program reading was told a paste began: it ends, empty
      target.write(PASTE_END);
    };
    if (tooBig) return refuse(unreadablePaste(`the paste is over ${MAX_PASTE / 1024 / 1024} MB`));
    if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(content))
      return refuse(unreadablePaste('it holds control characters (Escape, Ctrl keys) a program may act on as keys'));
    const lines = content.split(/\r\n|\r|\n/);
    // a program without bracketed paste runs the first line with what was typed before it
    if (lines.length > 1 && tracker.typedSoFar === null)
      return refuse(unreadablePaste('the line it went into was changed in a way only the screen shows (history, completion); paste it on an empty line'));
    let open = continuation;
    let worst: { verdict: Verdict; text: string } = { verdict: { action: 'allow' }, text: content };
    for (let i = 0; i < lines.length - 1; i++) {
      const typed = i === 0 ? `${tracker.typedSoFar ?? ''}${lines[0]}` : lines[i]!;
      const readings = {
        typed,
        literal: typed,
        keys: typed,
        screen: null,
        row: null,
        seen: [],
        fullScreen: m === 'full-screen',
        cursorOnLine: true,
        disturbed: false,
      };
      const j = judgeTerminalLine(ctx.judge, readings, m, open);
      if (j.kind === 'incomplete') {
        open = j.continuation;
        continue;
      }
      open = '';
      if (severity[j.verdict.action] > severity[worst.verdict.action]) worst = { verdict: j.verdict, text: j.text };
      if (j.verdict.action === 'deny') break;
    }
    const review = await reviewed(worst.verdict, worst.text, m, record);
    if (review?.run && !held()) return;
    if (review ? !review.run : worst.verdict.action === 'deny') {
      if (review) target.write(PASTE_END);
      else refuse(worst.verdict);
      return;
    }
    if (lines.length > 1) record(worst.verdict, { executed: true, ...(review?.reviewId ? { reviewId: review.reviewId } : {}) });
    tracker.paste(content);
    target.write(`${content}${PASTE_END}`);
  };

  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length) {
        if (target.writableNeedDrain) await drained(target);
        if (!held()) break;
        const chunk = take();
        if (paste !== null) {
          paste += chunk;
          const end = paste.indexOf(PASTE_END);
          if (end < 0) {
            if (paste.length > MAX_PASTE) {
              pasteTooBig = true;
              paste = paste.slice(-(PASTE_END.length - 1));
            }
            continue;
          }
          const content = paste.slice(0, end);
          const rest = paste.slice(end + PASTE_END.length);
          const tooBig = pasteTooBig;
          paste = null;
          pasteTooBig = false;
          if (rest) putBack(rest);
          await pasted(content, tooBig);
          continue;
        }
        const mark = (tail + chunk).indexOf(PASTE_START);
        const pasteAt = mark < 0 ? null : mark - tail.length;
        const enter = chunk.search(/[\r\n]/);
        const interrupt = chunk.indexOf('\x03');
        if (interrupt >= 0 && (enter < 0 || interrupt < enter) && (pasteAt === null || interrupt < pasteAt)) {
          // Ctrl-C abandons the line and a construct still open; what follows waits until the program has handled it
          pass(chunk.slice(0, interrupt + 1));
          continuation = '';
          if (interrupt + 1 < chunk.length) putBack(chunk.slice(interrupt + 1));
          await interrupted();
          continue;
        }
        if (pasteAt !== null && (enter < 0 || pasteAt < enter)) {
          const content = pasteAt + PASTE_START.length;
          pass(chunk.slice(0, Math.max(0, pasteAt)));
          // the mark goes on (its start may have gone with the bytes before); what it holds waits
          target.write(chunk.slice(Math.max(0, pasteAt), content));
          tail = '';
          paste = '';
          if (content < chunk.length) putBack(chunk.slice(content));
          continue;
        }
        if (enter < 0) {
          pass(chunk);
          continue;
        }
        pass(chunk.slice(0, enter));
        const rest = chunk.slice(enter + 1);
        if (rest) putBack(rest);
        tail = '';
        await enterLine(chunk[enter]!);
      }
    } finally {
      busy = false;
      held();
      if (ending && queue.length === 0) target.end();
    }
  };
  const run = () => void drain().catch((err: Error) => ctx.log.warn('terminal gate failed', { error: err.message }));
  return {
    push(text: string) {
      queue.push(text);
      queued += text.length;
      if (held()) run();
    },
    end() {
      ending = true;
      run();
    },
  };
}

function unreadablePaste(why: string): Verdict {
  return { action: 'deny', ruleId: 'unreadable-paste', message: `hoop cannot judge this paste: ${why}`, hint: 'paste plain text, or type the command' };
}
