import type { ResolvedPolicy } from '@hoop/pipeline';
import type { Verdict } from '../session/hooks';
import { toolMatches } from './globs';
import type { ConversationPolicy } from './policy';

/**
 * What the policy's `claude.guard` says of one tool call the model asks for. Tool names are matched without regard to
 * case (`bash` is judged as `Bash`: a client that runs tools case-insensitively must not be a way round the guard).
 * `claude.guard.tools` rules come first, in order, the first naming the tool deciding; then the shell tools, whose
 * `command` input the shell guardrails judge (every command it would run, through `bash -c`, `env`, `sudo`, …: the
 * shell guard's own reading). An input that is not a JSON object, or a shell tool's input without a text `command`, is
 * refused: what cannot be read is not run. With a policy that does not validate, every tool call is refused.
 */
export interface ToolJudgement {
  verdict: 'allow' | 'deny' | 'review';
  /** the rule that decided: a shell guardrail's id, `claude.guard.tools[N]`, or one of hoop's own (unreadable-input) */
  rule: string | null;
  /** why, in words for the person (and the model) */
  message: string | null;
  /** what was judged: a shell tool's command, else the input as the model wrote it */
  subject: string;
  /** the shell guard's verdict, for a review hold (reviews.ts) */
  asVerdict: Verdict;
}

/** Whether calls of `name` are judged, so held until their input is complete: every tool under an invalid policy. */
export function isGuarded(name: string, resolved: ResolvedPolicy): boolean {
  if (!name || 'error' in resolved) return true;
  const g = resolved.policy.claude.guard;
  return g.tools.some((r) => toolMatches(r.tools, name)) || toolMatches(g.shellTools, name);
}

const refuse = (rule: string, message: string, subject: string): ToolJudgement => ({
  verdict: 'deny',
  rule,
  message,
  subject,
  asVerdict: { action: 'deny', ruleId: rule, message },
});

/** Judges a call of `name` whose complete input (JSON text) is `input`. */
export function judgeToolCall(name: string, input: string, p: ConversationPolicy): ToolJudgement {
  const resolved = p.resolved();
  if (!name) return refuse('unreadable-input', 'a tool call without a tool name is not passed on', input);
  if ('error' in resolved) return refuse('invalid-policy', "the connection's policy is invalid, so no tool call is passed on", input);
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return refuse('unreadable-input', `the input of this ${name} call is not valid JSON, so it was not passed on`, input);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return refuse('unreadable-input', `the input of this ${name} call is not a JSON object, so it was not passed on`, input);
  const g = resolved.policy.claude.guard;
  const i = g.tools.findIndex((r) => toolMatches(r.tools, name));
  if (i >= 0) {
    const r = g.tools[i]!;
    const rule = `claude.guard.tools[${i}]`;
    const message = r.message ?? (r.action === 'allow' ? null : `calls of ${name} are ${r.action === 'deny' ? 'not allowed' : 'reviewed'} by policy`);
    return { verdict: r.action, rule, message, subject: input, asVerdict: { action: r.action, ruleId: rule, ...(message ? { message } : {}) } };
  }
  if (!toolMatches(g.shellTools, name)) {
    return { verdict: 'allow', rule: null, message: null, subject: input, asVerdict: { action: 'allow' } };
  }
  const command = (parsed as Record<string, unknown>).command;
  if (typeof command !== 'string') return refuse('unreadable-input', `this ${name} call has no command text, so it was not passed on`, input);
  let v: Verdict;
  try {
    v = p.hooks.judge(command);
  } catch (err) {
    return refuse('guard-error', `the shell guard could not judge the command (${(err as Error).message}), so it was not passed on`, command);
  }
  // a command that stops inside a quote or a loop is refused as the shell guard words it: it is not run half-read
  const verdict = v.incomplete ? 'deny' : v.action;
  return {
    verdict,
    rule: verdict === 'allow' ? null : (v.ruleId ?? 'policy'),
    message: v.message ?? null,
    subject: command,
    asVerdict: { ...v, action: verdict },
  };
}
