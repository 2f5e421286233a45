import type { Writable } from 'node:stream';
import { whenDrained } from '@hoop/httpwire';
import { WAITING_PREFIX } from '@hoop/protocol';
import type { Logger } from '@hoop/log';
import type { ReviewUpdate, Verdict } from '../hooks';
import { blockedMessage, notApprovedMessage } from '../refusals';
import { continuesOnNextLine, UNREADABLE_RULES } from './line-judge';
import type { OutputPipe } from '../output-pipe';

/**
 * The gates between a client's shell input and the target's shell: every command line is judged before the target
 * sees its Enter (or its newline), held for review when the policy says so, and recorded.
 */

const severity = { allow: 0, review: 1, deny: 2 } as const;

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
 * Judges a line from a typed and a screen reading (the line gate has only the first): 'incomplete' when the line
 * leaves a construct open or ends in a backslash. When the typed reading is known it is exact; the screen reading may
 * then carry part of a prompt, so only a rule it trips counts, not a failure to parse it.
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
  // `r\` then `m -rf /`: a shell joins a line ending in a backslash to the next one
  if (worst.verdict.action === 'allow' && complete.some((j) => continuesOnNextLine(j.text))) return 'incomplete';
  return worst;
}

/**
 * Where a gate writes what it let through: the program's input (an SSH channel, a local process, a Kubernetes exec's
 * stdin channel), and, when the agent runs the terminal itself, what holds its foreground.
 */
export interface GateTarget extends Writable {
  foreground?(): 'shell' | 'program' | null;
}

/** What a gate needs from the session it serves. */
export interface GateContext {
  /** the shell guard: one command line, as a shell would run it */
  judge(command: string): Verdict;
  judgeLines(screen: string | null, typed: string | null): Judged | 'incomplete';
  judgeAll(texts: (string | null)[]): Judged;
  /** asks for a review and resolves with the final answer; `onPending` hears the link first */
  review(text: string, verdict: Verdict, onPending: (u: ReviewUpdate) => void): Promise<ReviewUpdate>;
  record(text: string, verdict: Verdict, extra?: Record<string, unknown>): void;
  /**
   * The gate holds `bytes` of the client's input now, not passed on yet (typed ahead of a line in review, or of a
   * target that does not read). False: the session is over (it would go past its limits and was ended): drop it all.
   */
  hold(bytes: number): boolean;
  log: Logger;
}

export interface Gate {
  push(text: string): void;
  end(): void;
}

/** Resolves once `target` takes writes again, or is gone: what the client sends meanwhile waits in the gate, counted. */
export function drained(target: Writable): Promise<void> {
  return new Promise((resolve) => whenDrained(target, resolve));
}

/** a shell without a terminal (`ssh -T host`, scripts piped in): each line is judged as it arrives */
export function lineGate(ctx: GateContext, target: GateTarget, out: OutputPipe): Gate {
  let partial = '';
  let pendingBlock = '';
  const queue: string[] = [];
  /** the length of the lines in `queue` */
  let queued = 0;
  let busy = false;
  let ending = false;
  const enqueue = (line: string) => {
    queue.push(line);
    queued += line.length;
  };
  /** says what the gate holds: the line being typed, the lines waiting their turn, a block still open */
  const held = () => {
    if (ctx.hold(partial.length + queued + pendingBlock.length)) return true;
    partial = pendingBlock = '';
    queue.length = queued = 0;
    return false;
  };
  const drain = async () => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length) {
        if (target.writableNeedDrain) await drained(target);
        if (!held()) break;
        const next = queue.shift()!;
        queued -= next.length;
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
          // a session that ended meanwhile runs nothing more
          if (!held()) break;
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
      held();
      if (ending && queue.length === 0) target.end();
    }
  };
  const run = () => void drain().catch((err: Error) => ctx.log.warn('line gate failed', { error: err.message }));
  return {
    push(text: string) {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        enqueue(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
      if (partial.length > 1024 * 1024) {
        enqueue(partial);
        partial = '';
      }
      if (held()) run();
    },
    end() {
      ending = true;
      if (partial) {
        enqueue(partial);
        partial = '';
      }
      run();
    },
  };
}
