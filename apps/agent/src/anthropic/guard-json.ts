import type { ConversationPolicy } from './policy';
import { type CallDecision, type CallOutcome, decideToolCall } from './tool-calls';
import { isGuarded } from './tool-judge';

/** the largest answer that was not streamed the guard reads whole; a larger one is refused (it could not be judged) */
export const MAX_JSON_ANSWER = 16 * 1024 * 1024;

export interface JsonGuardOptions {
  exchange: number;
  policy: ConversationPolicy;
  audit(type: string, data: Record<string, unknown>): void;
}

/** A whole answer being judged; `abandon` stops its reviews (the client went away) and `done` is then never called. */
export interface JsonGuard {
  abandon(reason: string): void;
}

/**
 * The guard on a Messages answer that was not streamed (`stream: false`): the same judgement as GuardStream's, on the
 * whole Message. Each tool_use block of a guarded tool is judged; a refused one becomes a text block in its place
 * saying why; a reviewed one holds the whole answer until reviewers decide (nothing can be sent before its length is
 * known). With `claude.mask.modelOutput` its text blocks are masked. `done` gets the body to send: the API's bytes
 * when nothing changed, else the Message written again (the caller sets its content-length). A body that is not a
 * Message (an error, another endpoint's answer) goes on unchanged.
 */
export function guardMessageJson(body: Buffer, o: JsonGuardOptions, done: (body: Buffer) => void): JsonGuard {
  let message: Record<string, unknown> | null = null;
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) message = v as Record<string, unknown>;
  } catch {}
  const content = message?.content;
  if (message?.type !== 'message' || !Array.isArray(content)) {
    done(body);
    return { abandon: () => undefined };
  }
  const resolved = o.policy.resolved();
  const hooks = o.policy.hooks;
  const masking = 'policy' in resolved && resolved.policy.claude.mask.modelOutput;
  let changed = false;
  let intent = '';
  let toolUses = 0;
  let passed = 0;
  let waiting = 1;
  const refused = new Map<number, string>();
  const decisions: CallDecision[] = [];
  let over = false;

  const finish = () => {
    if (--waiting > 0 || over) return;
    over = true;
    for (const [i, refusal] of refused) content[i] = { type: 'text', text: refusal };
    if (refused.size > 0) changed = true;
    if (toolUses > 0 && passed === 0 && message.stop_reason === 'tool_use') {
      message.stop_reason = 'end_turn';
      changed = true;
    }
    done(changed ? Buffer.from(JSON.stringify(message)) : body);
  };

  content.forEach((block: unknown, i) => {
    const b = (block && typeof block === 'object' ? block : {}) as Record<string, unknown>;
    if (b.type === 'text' && typeof b.text === 'string') {
      intent += b.text;
      if (masking) {
        const masked = hooks.maskText(b.text);
        if (masked !== b.text) {
          content[i] = { ...b, text: masked };
          changed = true;
        }
      }
      return;
    }
    if (b.type !== 'tool_use') return;
    toolUses++;
    const name = typeof b.name === 'string' ? b.name : '';
    if (!isGuarded(name, resolved)) {
      passed++;
      return;
    }
    waiting++;
    const input = b.input === undefined ? '{}' : JSON.stringify(b.input);
    const call = { exchange: o.exchange, id: typeof b.id === 'string' ? b.id : '', name, input, intent };
    const shown = masking ? { shown: (t: string) => hooks.maskText(t) } : {};
    decisions.push(
      decideToolCall(call, { policy: o.policy, audit: o.audit, ...shown }, (outcome: CallOutcome) => {
        if (outcome.passed) passed++;
        else refused.set(i, outcome.refusal);
        finish();
      }),
    );
  });
  finish();
  return {
    abandon(reason) {
      if (over) return;
      over = true;
      for (const d of decisions) d.abandon(reason);
    },
  };
}
