import { describe, expect, it } from 'vitest';
import { claudeSessionEvents, requestEvent, responseEvent } from './conversation-fixtures';
import { newSince, readRequest } from './conversation-messages';
import { type EarlierRequest, readConversation } from './conversation';
import type { RawEvent } from './session-events';
import type { FixtureEvent } from './session-fixtures';

const at = (i: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, i));
const raw = (list: FixtureEvent[]): RawEvent[] => list.map((e, seq) => ({ seq, type: e.type, at: at(seq), data: e.data }));

describe('reading a Claude Code conversation', () => {
  const exchanges = readConversation(raw(claudeSessionEvents({ reviewId: 'rev-1' })));
  const x = (n: number) => exchanges.find((e) => e.exchange === n)!;

  it('reads each exchange in order, with the model, tokens and timings of its answer', () => {
    expect(exchanges.map((e) => e.exchange)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(x(1)).toMatchObject({ kind: 'messages', model: 'claude-sonnet-4-5', method: 'POST', path: '/v1/messages?beta=true' });
    expect(x(1).response).toMatchObject({ status: 200, ms: 1800, firstByteMs: 420, stopReason: 'tool_use', text: 'I will ask the database.' });
    expect(x(1).response!.usage).toEqual({ inputTokens: 1200, outputTokens: 80, cacheReadInputTokens: 15000, cacheCreationInputTokens: 0 });
    expect(x(2).model).toBe('claude-haiku-4-5');
  });

  it("shows each request's new messages only, though the body was cut at 64 KB", () => {
    expect(x(1).request).toMatchObject({ truncated: true, parsed: true, messages: 1, earlier: 0, cut: false, continues: null });
    const said = x(1).request!.turn[0]!.blocks;
    expect(said.map((b) => b.type)).toEqual(['text', 'text']);
    expect(said[0]).toMatchObject({ reminder: true });
    expect(said[1]).toMatchObject({ text: 'how many customers signed up this week?', reminder: false });
    // the title request is a thread of its own; the next request continues exchange 1, not the title
    expect(x(2).request).toMatchObject({ earlier: 0, continues: null, messages: 1 });
    expect(x(3).request).toMatchObject({ earlier: 1, continues: 1, messages: 3, rewritten: false });
    expect(x(3).request!.turn.map((m) => m.role)).toEqual(['assistant', 'user']);
    expect(x(3).request!.turn[1]!.blocks[0]).toMatchObject({ type: 'tool_result', toolUseId: 'toolu_1', text: 'email\n[EMAIL_1a2b3c]\n(1 row)' });
    expect(x(4).request).toMatchObject({ earlier: 3, continues: 3 });
    expect(x(4).request!.turn[1]!.blocks[0]).toMatchObject({ type: 'tool_result', isError: true });
    // a retry of the same messages adds nothing
    expect(x(6).request).toMatchObject({ earlier: 7, continues: 5, turn: [] });
  });

  it("gives each tool call the guard's decision, and a held one its review", () => {
    expect(x(1).toolCalls).toEqual([
      expect.objectContaining({ id: 'toolu_1', name: 'Bash', guard: expect.objectContaining({ verdict: 'allow', outcome: 'passed' }) }),
    ]);
    expect(x(3).toolCalls[0]).toMatchObject({
      input: '{"command":"rm -rf /var/lib/postgresql"}',
      guard: { verdict: 'deny', rule: 'no-rm-rf', outcome: 'blocked' },
    });
    expect(x(4).toolCalls[0]!.guard).toMatchObject({ verdict: 'review', outcome: 'approved', reviewId: 'rev-1' });
    expect(x(2).toolCalls).toEqual([]);
  });

  it('says which exchanges failed or were abandoned', () => {
    expect(x(5)).toMatchObject({ response: null, failure: { kind: 'error', message: expect.stringContaining('ECONNREFUSED'), ms: 12 } });
    expect(x(6)).toMatchObject({ response: null, failure: { kind: 'abort', message: 'the client went away' } });
  });

  it('a guard decision on a call the recorded answer does not show is listed with the exchange', () => {
    const [only] = readConversation(
      raw([
        requestEvent(1, [{ role: 'user', content: 'clean up' }]),
        responseEvent(1, { text: 'The command was blocked.' }),
        {
          type: 'model.tool_use',
          data: { exchange: 1, toolUseId: 'toolu_9', tool: 'Bash', input: { command: 'rm -rf /' }, verdict: 'deny', rule: 'rm', outcome: 'blocked' },
        },
      ]),
    );
    expect(only!.toolCalls).toEqual([expect.objectContaining({ id: 'toolu_9', name: 'Bash', input: '{"command":"rm -rf /"}', guard: expect.anything() })]);
  });

  it('marks a new turn the 64 KB record cut, and what it could not hold at all', () => {
    const big = 'x'.repeat(80_000);
    const before: EarlierRequest[] = [{ exchange: 1, keys: readRequest(requestEvent(1, [{ role: 'user', content: 'go' }]).data.body as string).keys }];
    const [cutInside] = readConversation(
      raw([
        requestEvent(2, [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Read', input: { file_path: '/tmp/dump.csv' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: big }] },
        ]),
      ]),
      before,
    );
    expect(cutInside!.request).toMatchObject({ truncated: true, cut: true, earlier: 1, continues: 1 });
    const result = cutInside!.request!.turn.at(-1)!;
    expect(result.cut).toBe(true);
    expect(result.blocks[0]).toMatchObject({ type: 'tool_result', cut: true, text: 'x'.repeat(8_000) });
    expect((result.blocks[0] as { clipped: number }).clipped).toBeGreaterThan(50_000);

    // the earlier messages alone fill the record: the new turn is not in it
    const [beyond] = readConversation(
      raw([
        requestEvent(3, [
          { role: 'user', content: big },
          { role: 'user', content: 'and then?' },
        ]),
      ]),
    );
    expect(beyond!.request).toMatchObject({ cut: true, messages: 1 });
    expect(beyond!.request!.turn[0]!.cut).toBe(true);
  });

  it('shows a body that is not JSON as text, and survives events of any shape', () => {
    const read = readConversation(
      raw([
        { type: 'model.request', data: { exchange: 1, path: '/v1/messages', body: 'not json {', bytes: 10 } },
        { type: 'model.response', data: { exchange: 1, status: 'x', usage: 'many', toolUses: [null, 3, { id: 7 }], body: 42 } },
        { type: 'model.request', data: { exchange: 'two', body: 5 } },
        { type: 'model.tool_use', data: { exchange: 2.5 } },
        { type: 'model.response', data: null as never },
        { type: 'model.request', data: { exchange: 3, path: '/v1/messages', body: '{"messages":[{"role":"user","content":[1,null,{"type":"image"}]}]}' } },
      ]),
    );
    expect(read.map((e) => e.exchange)).toEqual([1, 3]);
    expect(read[0]!.request).toMatchObject({ parsed: false, raw: 'not json {', turn: [] });
    expect(read[0]!.response).toMatchObject({ status: 0, usage: null, raw: null });
    expect(read[0]!.toolCalls.map((t) => t.name)).toEqual(['?', '?', '?']);
    expect(read[1]!.request!.turn[0]!.blocks).toEqual([expect.objectContaining({ type: 'media', kind: 'image' })]);
  });
});

describe('newSince', () => {
  it('continues the earlier request it shares the longest start with, the latest on a tie', () => {
    expect(newSince(['a', 'b', 'c'], [['a', 'b'], ['x'], ['a', 'b']])).toEqual({ from: 2, continues: 2, rewritten: false });
    expect(newSince(['a', 'b', 'c'], [['a'], ['q']])).toEqual({ from: 1, continues: 0, rewritten: false });
    expect(newSince(['z'], [['a']])).toEqual({ from: 0, continues: null, rewritten: false });
    // compacted: the history the earlier request had is not repeated
    expect(newSince(['a', 'summary'], [['a', 'b', 'c']])).toEqual({ from: 1, continues: 0, rewritten: true });
  });

  it('a moved cache marker does not make a message new', () => {
    const m = (cache: boolean) => ({ role: 'user', content: [{ type: 'text', text: 'hi', ...(cache ? { cache_control: { type: 'ephemeral' } } : {}) }] });
    const first = readRequest(JSON.stringify({ messages: [m(true)] }));
    const second = readRequest(JSON.stringify({ messages: [m(false), { role: 'assistant', content: 'yo' }] }));
    expect(newSince(second.keys, [first.keys])).toMatchObject({ from: 1, continues: 0 });
  });
});
