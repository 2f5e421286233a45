import { Writable } from 'node:stream';
import type { Logger } from '@hoop/log';
import type { ExchangeContext } from '../../http/context';
import { evaluateShell, type Policy } from '@hoop/pipeline';
import type { ReviewUpdate, SessionHooks, Verdict } from '../../session/hooks';
import type { OutputPipe } from '../../session/output-pipe';
import { MAX_HELD_INPUT, holdForReview, type ReviewHold } from '../../session/review-hold';
import { CommandLineTracker } from '../../session/terminal/command-line';
import { type Gate, judgeAll, judgeLines } from '../../session/terminal/gates';
import { ptyGate } from '../../session/terminal/terminal-gate';

/** The shell guard's decision on one line as a verdict (an open construct marked incomplete, each command recorded). */
export function shellLineVerdict(line: string, policy: Policy, maskAudit: (t: string) => string): Verdict {
  const d = evaluateShell(line, policy);
  return {
    action: d.action,
    ...(d.ruleId ? { ruleId: d.ruleId } : {}),
    ...(d.reason ? { message: d.reason } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.incomplete ? { incomplete: true } : {}),
    statements: d.commands.map((c) => ({
      text: maskAudit(c.text.slice(0, 4000)),
      kind: 'shell',
      action: c.action,
      ...(c.ruleId ? { ruleId: c.ruleId } : {}),
    })),
  };
}

export interface TerminalEvents {
  /** the shell guard on one line, under the connection's policy as it is now */
  judge(line: string): Verdict;
  hooks: Pick<SessionHooks, 'requestReview' | 'maskAudit'>;
  audit(type: string, data: Record<string, unknown>): void;
  exchange: number;
  log: Logger;
  /** keys let through, on their way to the API server as a stdin message */
  stdin(text: string): void;
  /** stdin is over (the client closed it), after every line before was judged */
  stdinEnd(): void;
  /** the keys held went past MAX_HELD_INPUT: the connection is closed */
  overflow(message: string): void;
}

/** What the exchange gives a terminal: how lines are judged, reviewed and recorded. */
export type TerminalJudging = Omit<TerminalEvents, 'stdin' | 'stdinEnd' | 'overflow' | 'exchange'>;

/**
 * The stdin of an exec or attach with a terminal (`kubectl exec -it pod -- sh`, `kubectl attach -it`), judged a line
 * at a time as an SSH terminal is (session/terminal/): keys go on as typed, Enter waits until the line the shell would
 * run was judged — from the keys and from the screen, which the container's output (unmasked, never sent anywhere)
 * draws on a headless terminal — after history recall, editing, pastes and Ctrl-C alike. A refused line is cleared at
 * the shell's prompt and the user told why on the terminal; a line that needs review waits for reviewers, the keys
 * typed after it held; every line is recorded as a `command` event.
 */
export class TerminalStdin {
  private readonly tracker: CommandLineTracker;
  private readonly gate: Gate;
  private readonly holds = new Set<ReviewHold>();
  private over = false;
  private closed = false;

  constructor(
    private readonly o: TerminalEvents,
    out: OutputPipe,
  ) {
    this.tracker = new CommandLineTracker(80, 24);
    const target = new Writable({
      decodeStrings: false,
      write(chunk: string, _enc, cb) {
        o.stdin(chunk);
        cb();
      },
      final(cb) {
        o.stdinEnd();
        cb();
      },
    });
    // a write after the end is dropped, not thrown into the session
    target.on('error', (err) => o.log.debug('terminal stdin after its end', { error: err.message }));
    this.gate = ptyGate(
      {
        judge: (t) => o.judge(t),
        judgeLines: (screen, typed) => judgeLines(o.judge, screen, typed),
        judgeAll: (texts) => judgeAll(o.judge, texts),
        review: (text, verdict, onPending) => this.review(text, verdict, onPending),
        record: (text, verdict, extra = {}) =>
          o.audit('command', {
            command: o.hooks.maskAudit(text.slice(0, 4000)),
            decision: verdict.action,
            ruleId: verdict.ruleId ?? null,
            reason: verdict.action === 'allow' ? null : (verdict.message ?? null),
            statements: verdict.statements ?? null,
            exchange: o.exchange,
            ...extra,
          }),
        hold: (bytes) => {
          if (this.over) return false;
          if (bytes <= MAX_HELD_INPUT) return true;
          this.o.overflow(`over ${MAX_HELD_INPUT / 1024 / 1024} MiB typed ahead of a line being judged`);
          this.end();
          return false;
        },
        log: o.log,
      },
      target,
      out,
      this.tracker,
    );
  }

  /** keys the client typed (stdin, decoded); none once it closed stdin (the API server reads no more either) */
  push(text: string): void {
    if (!this.over && !this.closed) this.gate.push(text);
  }

  /** the container's output, unmasked, as the client's terminal draws it */
  output(text: string): void {
    if (!this.over) this.tracker.output(text);
  }

  resize(cols: number, rows: number): void {
    if (!this.over) this.tracker.resize(cols, rows);
  }

  /** the client closed stdin: it ends once the lines before were judged */
  closeStdin(): void {
    if (this.over || this.closed) return;
    this.closed = true;
    this.gate.end();
  }

  /** the connection is over: reviews still asked are abandoned */
  end(): void {
    if (this.over) return;
    this.over = true;
    for (const h of this.holds) h.end();
    this.holds.clear();
    this.tracker.dispose();
  }

  private review(text: string, verdict: Verdict, onPending: (u: ReviewUpdate) => void): Promise<ReviewUpdate> {
    if (!this.o.hooks.requestReview || this.over) return Promise.resolve({ status: 'unavailable' });
    return new Promise((resolve) => {
      let settled = false;
      let hold: ReviewHold | null = null;
      const settle = (u: ReviewUpdate) => {
        settled = true;
        if (hold) this.holds.delete(hold);
        resolve(u);
      };
      hold = holdForReview(
        this.o.hooks,
        this.o.audit,
        { sql: text, subject: { sql: text }, verdict },
        {
          pending: onPending,
          approved: (v) => settle({ status: 'approved', ...(v.reviewId ? { reviewId: v.reviewId } : {}) }),
          refused: (u, reviewId) => settle({ ...u, ...(reviewId ? { reviewId } : {}) }),
        },
      );
      if (!settled) this.holds.add(hold);
    });
  }
}

/** What a terminal's judging needs of the exchange's session: the policy as it is now, reviews, the trail. */
export function terminalEvents(ctx: ExchangeContext): TerminalJudging {
  return {
    judge: (line) => {
      const resolved = ctx.policy();
      if ('error' in resolved) return { action: 'deny', ruleId: 'invalid-policy', message: 'the policy of the connection is invalid, so nothing runs' };
      return shellLineVerdict(line, resolved.policy, (t) => ctx.hooks.maskAudit(t));
    },
    hooks: ctx.hooks,
    audit: (type, data) => ctx.audit(type, data),
    log: ctx.log,
  };
}
