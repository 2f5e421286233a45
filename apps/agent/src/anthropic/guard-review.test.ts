import { initShellGuard } from '@hoop/pipeline';
import { waitFor } from '@hoop/devstack';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardMessageJson } from './guard-json';
import { answer, bash, blocks, guarded, read, reviewDesk } from './guard-test-kit';
import { fixedConversationPolicy } from './policy';

beforeAll(() => initShellGuard());

const REVIEW_RM = { name: 'review rm', guardrails: { shell: { rules: [{ id: 'review-rm', action: 'review', match: { commands: ['rm'] } }] } } };
const INTENT = 'I will remove the old build folder. ';
const held = () => answer([{ text: INTENT }, { tool: 'Bash', id: 'toolu_rm', pieces: bash('rm -rf ./build', 3) }]);

describe('a tool call held for review', () => {
  it('waits with pings, shows reviewers the command and the intent, and passes the call on unchanged when approved', async () => {
    const reviews = reviewDesk();
    const g = guarded(REVIEW_RM, { reviews, pingMs: 20 });
    const text = held();
    g.run(text);
    await waitFor('the review request', async () => reviews.asked[0] ?? null);
    expect(reviews.asked[0]!.sql).toBe('rm -rf ./build');
    expect(reviews.asked[0]!.subject?.intent).toBe(INTENT);
    // what came before the call is out; the call and what follows it wait
    expect(g.out()).toContain(INTENT.split(' ')[0]);
    expect(g.out()).not.toContain('tool_use"');
    await waitFor('two pings while reviewers decide', async () => (read(g.out()).filter((e) => e.event === 'ping').length >= 2 ? true : null));
    expect(g.ended()).toBe(false);
    expect(g.g.pinging).toBe(true);
    reviews.asked[0]!.update({ status: 'approved', reviewId: 'rev-1', decidedBy: 'ann@example.com' });
    await waitFor('the answer to end', async () => (g.ended() ? true : null));
    const withoutPings = g.out().replace(/event: ping\ndata: \{"type":"ping"\}\n\n/g, '');
    expect(withoutPings).toBe(text.join(''));
    expect(g.toolUses()).toEqual([
      expect.objectContaining({ toolUseId: 'toolu_rm', verdict: 'review', rule: 'review-rm', outcome: 'approved', reviewId: 'rev-1' }),
    ]);
    expect(g.audits.map((a) => a.type)).toEqual(['statement', 'review.requested', 'review.decided', 'model.tool_use']);
    expect(g.g.pinging).toBe(false);
  });

  it('replaces the call by the refusal when reviewers reject it or it expires, and ends the turn', async () => {
    for (const status of ['rejected', 'expired'] as const) {
      const reviews = reviewDesk();
      const g = guarded(REVIEW_RM, { reviews });
      g.run(held());
      await waitFor('the review request', async () => reviews.asked[0] ?? null);
      reviews.asked[0]!.update({ status, reviewId: 'rev-1', ...(status === 'rejected' ? { decidedBy: 'bob@example.com' } : {}) });
      await waitFor('the answer to end', async () => (g.ended() ? true : null));
      const b = blocks(g.out());
      expect(b.blocks.map((x) => x.type)).toEqual(['text', 'text']);
      expect(b.blocks[1]!.text).toMatch(status === 'rejected' ? /^not approved by hoop review: review rev-1 was rejected by bob@example.com/ : /expired/);
      expect(b.blocks[1]!.text).toContain('so it did not run: rm -rf ./build');
      expect(b.stop).toBe('end_turn');
      expect(g.toolUses()[0]).toMatchObject({ verdict: 'review', outcome: status });
    }
  });

  it('refuses a call that needs review when no review can be asked for', () => {
    const g = guarded(REVIEW_RM);
    g.run(held());
    expect(g.ended()).toBe(true);
    expect(blocks(g.out()).blocks[1]!.text).toMatch(/^blocked by hoop guardrail "review-rm"/);
    expect(g.toolUses()[0]).toMatchObject({ verdict: 'review', outcome: 'blocked' });
  });

  it('abandons the review when the client goes away: the gateway is told, nothing more is sent, nothing runs', async () => {
    const reviews = reviewDesk();
    const g = guarded(REVIEW_RM, { reviews, pingMs: 10 });
    g.run(held());
    await waitFor('the review request', async () => reviews.asked[0] ?? null);
    g.g.abandon('the client went away');
    expect(reviews.asked[0]!.cancelled).toBe(true);
    const sent = g.out();
    reviews.asked[0]!.update({ status: 'approved', reviewId: 'rev-1' });
    // a decision reaches the hold in a microtask: by the next turn it would have acted
    await new Promise((r) => setImmediate(r));
    expect(g.out()).toBe(sent);
    expect(sent).not.toContain('tool_use"');
    expect(g.ended()).toBe(false);
    expect(g.g.pinging).toBe(false);
    expect(g.toolUses()).toEqual([expect.objectContaining({ outcome: 'blocked', abandoned: 'the client went away' })]);
  });

  it('keeps later events behind a held call, in order, and releases them with it', async () => {
    const reviews = reviewDesk();
    const g = guarded(REVIEW_RM, { reviews });
    const text = answer([{ tool: 'Bash', id: 'a', pieces: bash('rm -rf ./a') }, { text: 'and then ' }, { tool: 'Bash', id: 'b', pieces: bash('ls') }]);
    g.run(text);
    await waitFor('the review request', async () => reviews.asked[0] ?? null);
    expect(g.out()).toBe(text[0]);
    reviews.asked[0]!.update({ status: 'rejected', reviewId: 'rev-1' });
    await waitFor('the answer to end', async () => (g.ended() ? true : null));
    const b = blocks(g.out());
    expect(b.blocks.map((x) => x.type)).toEqual(['text', 'text', 'tool_use']);
    expect(b.stop).toBe('tool_use');
  });
});

describe('the policy of the claude section', () => {
  it('judges tools by name first (globs, case-insensitive), and passes unguarded tools byte for byte', () => {
    const policy = { name: 'p', claude: { guard: { tools: [{ tools: ['mcp__*'], action: 'deny', message: 'no MCP tools here' }] } } };
    const g = guarded(policy);
    const text = answer([
      { tool: 'MCP__prod__drop_table', pieces: ['{"table":"users"}'] },
      { tool: 'Read', pieces: ['{"file_path":"/etc/hosts"}'] },
    ]);
    g.run(text);
    const b = blocks(g.out());
    expect(b.blocks.map((x) => x.type)).toEqual(['text', 'tool_use']);
    expect(b.blocks[0]!.text).toMatch(/^blocked by hoop guardrail "claude.guard.tools\[0\]": no MCP tools here\nThis MCP__prod__drop_table call/);
    expect(g.out()).toContain(text.slice(4, 7).join(''));
    expect(g.toolUses()).toEqual([expect.objectContaining({ tool: 'MCP__prod__drop_table', verdict: 'deny', rule: 'claude.guard.tools[0]' })]);
  });

  it('refuses every tool call under a policy that does not validate', () => {
    const g = guarded({ name: 'p', claude: { guard: { nonsense: true } } });
    g.run(answer([{ tool: 'Read', pieces: ['{"file_path":"a.txt"}'] }]));
    expect(blocks(g.out()).blocks.map((x) => x.type)).toEqual(['text']);
    expect(g.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'invalid-policy' });
  });

  it('masks the model text when mask.modelOutput is on, values cut across deltas included', () => {
    const policy = { name: 'p', claude: { mask: { modelOutput: true } } };
    const card = '4111 1111 1111 1111';
    const filler = 'word '.repeat(80);
    const g = guarded(policy);
    // cut inside the address and inside the card's groups
    const pieces = [filler, 'Write to ann.sm', 'ith@exam', `ple.com about card ${card.slice(0, 7)}`, `${card.slice(7)} today. `, filler, 'done'];
    g.run(answer([{ text: pieces.join(''), pieces }]));
    const shown = blocks(g.out()).blocks[0]!.text as string;
    expect(shown).not.toContain('ann.smith@example.com');
    expect(shown).not.toContain(card);
    expect(shown).toContain('[EMAIL]');
    expect(shown.startsWith(filler)).toBe(true);
    expect(shown.endsWith(`${filler}done`)).toBe(true);
    // an answer that ends inside a text block still sends what was held back, masked
    const cut = guarded(policy);
    cut.run(answer([{ text: `${filler}mail ann.smith@example.com` }]).slice(0, -3));
    const rest = blocks(cut.out()).blocks[0]!.text as string;
    expect(rest).toBe(`${filler}mail [EMAIL]`);
  });
});

describe('an answer that was not streamed', () => {
  const message = (content: unknown[], stop = 'tool_use') =>
    Buffer.from(JSON.stringify({ id: 'm', type: 'message', role: 'assistant', model: 'x', content, stop_reason: stop, usage: {} }));
  const judge = (body: Buffer, policy: unknown = null) => {
    const audits: Record<string, unknown>[] = [];
    let out: Buffer | null = null;
    guardMessageJson(body, { exchange: 3, policy: fixedConversationPolicy(policy), audit: (_t, d) => void audits.push(d) }, (b) => {
      out = b;
    });
    return { out: out as Buffer | null, audits };
  };

  it('keeps the bytes of an allowed answer, and rewrites a denied call as text with end_turn', () => {
    const ok = message([
      { type: 'text', text: 'listing' },
      { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } },
    ]);
    expect(judge(ok).out).toBe(ok);
    const no = judge(message([{ type: 'tool_use', id: 't2', name: 'bash', input: { command: "bash -c 'rm -rf /'" } }]));
    const m = JSON.parse(no.out!.toString()) as { content: { type: string; text: string }[]; stop_reason: string };
    expect(m.content).toEqual([{ type: 'text', text: expect.stringMatching(/^blocked by hoop guardrail "rm-recursive-broad"/) }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(no.audits).toEqual([expect.objectContaining({ exchange: 3, toolUseId: 't2', verdict: 'deny', outcome: 'blocked' })]);
  });

  it('passes what is not a message unchanged', () => {
    const err = Buffer.from('{"type":"error","error":{"type":"overloaded_error","message":"x"}}');
    expect(judge(err).out).toBe(err);
  });
});
