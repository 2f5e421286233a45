import { createHash } from 'node:crypto';
import type { FixtureEvent } from './session-fixtures';

/**
 * A Claude Code conversation's audit events for tests, as the agent records them (apps/agent/src/anthropic): each
 * request's body kept to its first 64 KB (Claude Code's are longer: the messages come first, then the system prompt and
 * the tools), the answers summarised, the guard's decisions on tool calls, a title request on the side, a failure and
 * an abort.
 */

export const RECORDED_BODY = 64 * 1024;

type Msg = { role: string; content: unknown };

/** `model.request` data for a Messages request, its body as long as Claude Code's (`padding` bytes of system prompt). */
export function requestEvent(exchange: number, messages: Msg[], o: { model?: string; padding?: number; path?: string } = {}): FixtureEvent {
  const model = o.model ?? 'claude-sonnet-4-5';
  const full = JSON.stringify({
    model,
    messages,
    system: [{ type: 'text', text: `You are Claude Code. ${'Follow the rules. '.repeat(Math.ceil((o.padding ?? 70_000) / 18))}` }],
    tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    max_tokens: 32000,
    stream: true,
  });
  const bytes = Buffer.byteLength(full);
  const kept = Buffer.from(full)
    .subarray(0, RECORDED_BODY)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return {
    type: 'model.request',
    data: {
      exchange,
      method: 'POST',
      path: o.path ?? '/v1/messages?beta=true',
      headers: { 'anthropic-version': '2023-06-01' },
      model,
      body: kept,
      bytes,
      truncated: bytes > RECORDED_BODY,
      sha256: createHash('sha256').update(full).digest('hex'),
    },
  };
}

export function responseEvent(
  exchange: number,
  o: { text?: string; tools?: { id: string; name: string; input: Record<string, unknown> }[]; input?: number; output?: number; model?: string },
): FixtureEvent {
  return {
    type: 'model.response',
    data: {
      exchange,
      status: 200,
      ms: 1800,
      firstByteMs: 420,
      model: o.model ?? 'claude-sonnet-4-5',
      stopReason: o.tools?.length ? 'tool_use' : 'end_turn',
      usage: { inputTokens: o.input ?? 1200, outputTokens: o.output ?? 80, cacheCreationInputTokens: 0, cacheReadInputTokens: 15000 },
      toolUses: (o.tools ?? []).map((t) => ({ id: t.id, name: t.name, input: JSON.stringify(t.input) })),
      ...(o.text ? { text: o.text } : {}),
      body: 'event: message_start\ndata: {}\n\n',
      bytes: 2048,
      truncated: false,
      sha256: '0'.repeat(64),
    },
  };
}

export const toolUseEvent = (
  exchange: number,
  toolUseId: string,
  tool: string,
  input: Record<string, unknown>,
  verdict: 'allow' | 'deny' | 'review',
  rule: string | null,
  outcome: 'passed' | 'blocked' | 'approved' | 'rejected' | 'expired',
): FixtureEvent => ({ type: 'model.tool_use', data: { exchange, toolUseId, tool, input, verdict, rule, outcome } });

const REMINDER = { type: 'text', text: '<system-reminder>\nToday is 2026-12-07.\n</system-reminder>\n' };

/** The conversation: six exchanges (see the file's comment), its tokens adding up to `claudeTotals`. */
export function claudeSessionEvents(o: { reviewId?: string | null; conversation?: string } = {}): FixtureEvent[] {
  const u1: Msg = { role: 'user', content: [REMINDER, { type: 'text', text: 'how many customers signed up this week?' }] };
  const a1: Msg = {
    role: 'assistant',
    content: [
      { type: 'text', text: 'I will ask the database.' },
      { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'psql -c "select email from customers"' } },
    ],
  };
  const u2: Msg = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'email\n[EMAIL_1a2b3c]\n(1 row)' }] };
  const a2: Msg = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'Bash', input: { command: 'rm -rf /var/lib/postgresql' } }] };
  const u3: Msg = {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_2', is_error: true, content: 'blocked by guardrail no-rm-rf' }],
  };
  const a3: Msg = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'Bash', input: { command: 'kubectl delete pod web-1' } }] };
  const u4: Msg = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: 'pod "web-1" deleted' }] };
  return [
    {
      type: 'session.open',
      data: {
        mode: 'claude',
        type: 'anthropic',
        connection: 'claude-api',
        client: { client: 'claude', conversation: o.conversation ?? '782dc037-7b8f-4c5f-897c-32dc7b51fe25' },
      },
    },
    requestEvent(1, [u1]),
    responseEvent(1, {
      text: 'I will ask the database.',
      tools: [{ id: 'toolu_1', name: 'Bash', input: { command: 'psql -c "select email from customers"' } }],
    }),
    toolUseEvent(1, 'toolu_1', 'Bash', { command: 'psql -c "select email from customers"' }, 'allow', null, 'passed'),
    // a title for the conversation, on the side: a thread of its own
    requestEvent(2, [{ role: 'user', content: 'Write a 3-word title for: how many customers signed up this week?' }], {
      model: 'claude-haiku-4-5',
      padding: 10,
    }),
    responseEvent(2, { text: 'Weekly customer signups', model: 'claude-haiku-4-5', input: 30, output: 5 }),
    requestEvent(3, [u1, a1, u2]),
    responseEvent(3, { tools: [{ id: 'toolu_2', name: 'Bash', input: { command: 'rm -rf /var/lib/postgresql' } }] }),
    toolUseEvent(3, 'toolu_2', 'Bash', { command: 'rm -rf /var/lib/postgresql' }, 'deny', 'no-rm-rf', 'blocked'),
    requestEvent(4, [u1, a1, u2, a2, u3]),
    { type: 'review.requested', data: { reviewId: o.reviewId ?? null, url: null, ruleId: 'kubectl-delete' } },
    responseEvent(4, { tools: [{ id: 'toolu_3', name: 'Bash', input: { command: 'kubectl delete pod web-1' } }] }),
    toolUseEvent(4, 'toolu_3', 'Bash', { command: 'kubectl delete pod web-1' }, 'review', 'kubectl-delete', 'approved'),
    requestEvent(5, [u1, a1, u2, a2, u3, a3, u4]),
    { type: 'model.error', data: { exchange: 5, message: 'the model API could not be reached: connect ECONNREFUSED', ms: 12 } },
    requestEvent(6, [u1, a1, u2, a2, u3, a3, u4]),
    { type: 'model.abort', data: { exchange: 6, reason: 'the client went away' } },
    {
      type: 'session.close',
      data: {
        reason: 'the conversation ended',
        exchanges: 6,
        failed: 1,
        toolUses: 3,
        models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
        usage: { inputTokens: 3630, outputTokens: 245, cacheCreationInputTokens: 0, cacheReadInputTokens: 60000 },
      },
    },
  ];
}
