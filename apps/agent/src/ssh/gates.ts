import { WAITING_PREFIX } from '@hoop/protocol';
import type { Logger } from '@hoop/log';
import type { ReviewUpdate, Verdict } from '../postgres/hooks';
import { blockedMessage, notApprovedMessage } from '../refusals';
import type { BackendChannel } from './backend';
import type { CommandLineTracker } from './command-line';
import type { OutputPipe } from './recording';

/**
 * The gates between a client's shell input and the target's shell: every command line is judged before the target
 * sees its Enter (or its newline), held for review when the policy says so, and recorded.
 */

const severity = { allow: 0, review: 1, deny: 2 } as const;
/** rule ids the shell guard gives lines it could not read */
const UNREADABLE_RULES = new Set(['parse-error', 'too-deep', 'too-long']);

const UNREADABLE_LINE: Verdict = {
  action: 'deny',
  ruleId: 'unreadable-line',
  message: 'hoop could not read this command line: the shell did not show it after history recall or completion',
  hint: 'press Ctrl-C and type the command again',
};

export function refusal(v: Verdict): string {
  return `${blockedMessage(v)}${v.hint ? ` (${v.hint})` : ''}`;
}

export const reviewRefusal = (u: ReviewUpdate) => notApprovedMessage(u, u.reviewId, 'command');

export type Judged = { verdict: Verdict; text: string };

/** The worst verdict of several readings of one command (allow < review < deny). */
export function judgeAll(judge: (command: string) => Verdict, texts: (string | null)[]): Judged {
  let worst: Judged = { verdict: { action: 'allow' }, text: '' };
  for (const t of texts) {
    if (t === null || !t.trim()) continue;
    const v = judge(t);
    if (!worst.text || severity[v.action] > severity[worst.verdict.action]) worst = { verdict: v, text: t };
  }
  return worst;
}

/**
 * Judges a line typed at a prompt from its two readings (see CommandLineTracker): 'incomplete' when the line leaves a
 * construct open. When every keystroke was followed the typed reading is exact; the screen reading may then carry
 * part of a prompt, so only a rule it trips counts, not a failure to parse it.
 */
export function judgeLines(judge: (command: string) => Verdict, screen: string | null, typed: string | null): Judged | 'incomplete' {
  // neither the keystrokes nor the screen tell what the shell will run: refuse rather than guess
  if (typed === null && screen === null) return { verdict: UNREADABLE_LINE, text: '(a command line hoop could not read)' };
  const judged: { text: string; verdict: Verdict; fromScreen: boolean }[] = [];
  if (typed !== null && typed.trim()) judged.push({ text: typed, verdict: judge(typed), fromScreen: false });
  if (screen !== null && screen.trim() && screen !== typed) judged.push({ text: screen, verdict: judge(screen), fromScreen: true });
  if (judged.length === 0) return { verdict: { action: 'allow' }, text: '' };
  const typedKnown = typed !== null;
  const counted = judged.filter((j) => !(typedKnown && j.fromScreen && (j.verdict.incomplete || UNREADABLE_RULES.has(j.verdict.ruleId ?? ''))));
  const complete = counted.filter((j) => !j.verdict.incomplete);
  if (complete.length === 0) return 'incomplete';
  let worst = complete[0]!;
  for (const j of complete) if (severity[j.verdict.action] > severity[worst.verdict.action]) worst = j;
  return worst;
}

/** What a gate needs from the session it serves. */
export interface GateContext {
  judgeLines(screen: string | null, typed: string | null): Judged | 'incomplete';
  judgeAll(texts: (string | null)[]): Judged;
  /** asks for a review and resolves with the final answer; `onPending` hears the link first */
  review(text: string, verdict: Verdict, onPending: (u: ReviewUpdate) => void): Promise<ReviewUpdate>;
  record(text: string, verdict: Verdict, extra?: Record<string, unknown>): void;
  log: Logger;
}

export interface Gate {
  push(text: string): void;
  end(): void;
}

/** interactive terminal: keystrokes pass as typed; Enter is held until the line is judged */
export function ptyGate(ctx: GateContext, target: BackendChannel, out: OutputPipe, tracker: CommandLineTracker | null): Gate {
  const queue: string[] = [];
  let busy = false;
  let ending = false;
  /** earlier lines of a construct still open (a quote, `for … do` without `done`): the shell is waiting for more */
  let continuation = '';
  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length) {
        const chunk = queue.shift()!;
        // Ctrl-C abandons a construct still open
        if (chunk.includes('\x03')) continuation = '';
        const enter = chunk.search(/[\r\n]/);
        if (enter < 0 || !tracker) {
          tracker?.input(enter < 0 ? chunk : '');
          target.write(chunk);
          continue;
        }
        const before = chunk.slice(0, enter);
        if (before) {
          tracker.input(before);
          target.write(before);
        }
        const rest = chunk.slice(enter + 1);
        if (rest) queue.unshift(rest);
        const line = await tracker.lineAtEnter();
        if (line.fullScreen) {
          // vim, less, top: Enter there is not a command line
          tracker.reset();
          target.write(chunk[enter]!);
          continue;
        }
        const joined = (t: string | null) => (t === null ? null : continuation ? `${continuation}\n${t}` : t);
        const judged = ctx.judgeLines(joined(line.screen), joined(line.typed));
        if (judged === 'incomplete') {
          // nothing runs until the construct is closed; the whole of it is judged then
          continuation = joined(line.typed) ?? joined(line.screen) ?? continuation;
          tracker.reset();
          target.write(chunk[enter]!);
          continue;
        }
        const inConstruct = continuation !== '';
        continuation = '';
        /**
         * Drops the refused line and has the shell show a new prompt. Inside an open construct only Ctrl-C abandons
         * the lines already sent; otherwise end-of-line, kill-line and an empty Enter do it without a SIGINT, which
         * would also throw away lines typed ahead that the shell has not read yet.
         */
        const dropLine = () => target.write(inConstruct ? '\x03' : '\x05\x15\r');
        const { verdict, text } = judged;
        // what the audit trail shows: the typed line when every keystroke was followed, else the screen
        const shown = line.typed ?? line.screen ?? text;
        if (!shown.trim() && verdict.action === 'allow') {
          tracker.reset();
          target.write(chunk[enter]!);
          continue;
        }
        let final = verdict;
        if (verdict.action === 'review') {
          const u = await ctx.review(text, verdict, (p) => out.inject(`\r\n\x1b[33mhoop: ${WAITING_PREFIX}: ${p.url ?? p.reviewId}\x1b[0m\r\n`));
          if (u.status === 'approved') final = { ...verdict, action: 'allow', ...(u.reviewId ? { reviewId: u.reviewId } : {}) };
          else {
            ctx.record(shown, verdict, { executed: false, reviewStatus: u.status });
            out.inject(`\r\n\x1b[31mhoop: ${reviewRefusal(u)}\x1b[0m\r\n`);
            tracker.reset();
            dropLine();
            continue;
          }
        }
        if (final.action === 'deny') {
          ctx.record(shown, final, { executed: false });
          out.inject(`\r\n\x1b[31mhoop: ${refusal(final)}\x1b[0m\r\n`);
          tracker.reset();
          dropLine();
          continue;
        }
        ctx.record(shown, verdict, { executed: true, ...(final.reviewId ? { reviewId: final.reviewId } : {}) });
        tracker.reset();
        target.write(chunk[enter]!);
      }
    } finally {
      busy = false;
      if (ending && queue.length === 0) target.end();
    }
  };
  const run = () => void drain().catch((err: Error) => ctx.log.warn('terminal gate failed', { error: err.message }));
  return {
    push(text: string) {
      queue.push(text);
      run();
    },
    end() {
      ending = true;
      run();
    },
  };
}

/** a shell without a terminal (`ssh -T host`, scripts piped in): each line is judged as it arrives */
export function lineGate(ctx: GateContext, target: BackendChannel, out: OutputPipe): Gate {
  let partial = '';
  let pendingBlock = '';
  const queue: string[] = [];
  let busy = false;
  let ending = false;
  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length) {
        const next = queue.shift()!;
        const line = pendingBlock ? `${pendingBlock}\n${next}` : next;
        const judged = ctx.judgeLines(null, line);
        if (judged === 'incomplete' && line.length < 1024 * 1024) {
          // a block still open: it is judged and sent whole once it closes
          pendingBlock = line;
          continue;
        }
        pendingBlock = '';
        const { verdict } = judged === 'incomplete' ? ctx.judgeAll([line]) : judged;
        let final = verdict;
        if (verdict.action === 'review') {
          const u = await ctx.review(line, verdict, (p) => out.inject(`hoop: ${WAITING_PREFIX}: ${p.url ?? p.reviewId}\n`));
          final = u.status === 'approved' ? { ...verdict, action: 'allow' } : { ...verdict, action: 'deny', message: reviewRefusal(u) };
        }
        if (final.action === 'deny') {
          ctx.record(line, final, { executed: false });
          out.inject(`hoop: ${verdict.action === 'review' ? final.message : refusal(final)}\n`);
          continue;
        }
        if (line.trim()) ctx.record(line, verdict, { executed: true });
        target.write(`${line}\n`);
      }
    } finally {
      busy = false;
      if (ending && queue.length === 0) target.end();
    }
  };
  const run = () => void drain().catch((err: Error) => ctx.log.warn('line gate failed', { error: err.message }));
  return {
    push(text: string) {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        queue.push(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
      if (partial.length > 1024 * 1024) {
        queue.push(partial);
        partial = '';
      }
      run();
    },
    end() {
      ending = true;
      if (partial) {
        queue.push(partial);
        partial = '';
      }
      run();
    },
  };
}
