import { blockedMessage, notApprovedMessage } from '../session/refusals';
import { holdForReview, type ReviewHold } from '../session/review-hold';
import type { ConversationPolicy } from './policy';
import { judgeToolCall } from './tool-judge';

/** How much of a tool call's input its `model.tool_use` event keeps (masked, then cut). */
export const RECORDED_INPUT = 4 * 1024;

/** One tool call the model asked for, its input complete. */
export interface ToolCall {
  exchange: number;
  /** the tool_use block's id */
  id: string;
  name: string;
  /** its input as JSON text */
  input: string;
  /** the model's text before the call in its message: reviewers are shown it */
  intent: string;
}

/** What became of a call: passed on to Claude Code as the model wrote it, or replaced by `refusal`. */
export type CallOutcome = { passed: true } | { passed: false; refusal: string };

export type RecordedOutcome = 'passed' | 'blocked' | 'approved' | 'rejected' | 'expired';

/** The answer's side of a call being decided; `abandon` stops a review the answer no longer waits for. */
export interface CallDecision {
  /** a review was asked for: the answer waits on reviewers */
  readonly reviewing: boolean;
  abandon(reason: string): void;
}

export interface DecideOptions {
  policy: ConversationPolicy;
  audit(type: string, data: Record<string, unknown>): void;
  /** the refusal as Claude Code gets it (the model output's masking, when the policy asks for it) */
  shown?(text: string): string;
}

/**
 * Decides one call: judged by the policy (tool-judge.ts), a review asked for when its rule says so (reviewers see the
 * command, masked, with the intent stated before it; an approval is bound to the command's exact text), and recorded
 * once as `model.tool_use` with what became of it. `done` is called once, synchronously unless the call is reviewed,
 * and never after `abandon`.
 */
export function decideToolCall(call: ToolCall, o: DecideOptions, done: (outcome: CallOutcome) => void): CallDecision {
  const j = judgeToolCall(call.name, call.input, o.policy);
  const hooks = o.policy.hooks;
  const shown = o.shown ?? ((t: string) => t);
  let recorded = false;
  const record = (outcome: RecordedOutcome, extra: Record<string, unknown> = {}) => {
    if (recorded) return;
    recorded = true;
    const input = hooks.maskAudit(call.input.length > 64 * 1024 ? call.input.slice(0, 64 * 1024) : call.input);
    o.audit('model.tool_use', {
      exchange: call.exchange,
      toolUseId: call.id,
      tool: call.name,
      input: input.length > RECORDED_INPUT ? `${input.slice(0, RECORDED_INPUT)}…` : input,
      verdict: j.verdict,
      rule: j.rule,
      outcome,
      ...extra,
    });
  };
  const what =
    j.subject === call.input
      ? `This ${call.name} call was not passed on to Claude Code: ${cut(j.subject)}`
      : `The ${call.name} command was not passed on to Claude Code, so it did not run: ${cut(j.subject)}`;
  const refuse = (outcome: RecordedOutcome, words: string) => {
    record(outcome);
    done({ passed: false, refusal: shown(`${words}\n${what}`) });
  };
  const settled = { reviewing: false, abandon: () => undefined };
  if (j.verdict === 'allow') {
    record('passed');
    done({ passed: true });
    return settled;
  }
  if (j.verdict === 'deny' || !hooks.requestReview) {
    refuse('blocked', blockedMessage(j.asVerdict));
    return settled;
  }
  let hold: ReviewHold | null = null;
  let over = false;
  hold = holdForReview(
    hooks,
    o.audit,
    { sql: j.subject, subject: { sql: j.subject, intent: call.intent }, verdict: j.asVerdict },
    {
      approved() {
        over = true;
        record('approved', hold?.reviewId ? { reviewId: hold.reviewId } : {});
        done({ passed: true });
      },
      refused(u, reviewId) {
        over = true;
        const outcome = u.status === 'expired' ? 'expired' : u.status === 'rejected' || u.status === 'revoked' ? 'rejected' : 'blocked';
        record(outcome, reviewId ? { reviewId } : {});
        done({ passed: false, refusal: shown(`${notApprovedMessage(u, reviewId, 'command')}\n${what}`) });
      },
    },
  );
  return {
    reviewing: true,
    abandon(reason) {
      if (over) return;
      over = true;
      hold?.end();
      record('blocked', { abandoned: reason, ...(hold?.reviewId ? { reviewId: hold.reviewId } : {}) });
    },
  };
}

function cut(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} characters)` : text;
}
