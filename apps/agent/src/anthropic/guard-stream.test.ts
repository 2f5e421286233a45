import { initShellGuard } from '@hoop/pipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { answer, bash, blocks, ev, guarded, read } from './guard-test-kit';

beforeAll(() => initShellGuard());

const commands = (text: string) =>
  blocks(text)
    .blocks.filter((b) => b.type === 'tool_use')
    .map((b) => (b.input as { command: string }).command);

describe('the guard on a streamed answer', () => {
  it('passes an answer with an allowed command on byte for byte, however its bytes are cut', () => {
    const text = answer([{ text: 'Let me list the files. ' }, { tool: 'Bash', pieces: bash('ls -la', 7) }]).join('');
    const whole = guarded();
    whole.run(text);
    expect(whole.out()).toBe(text);
    expect(whole.ended()).toBe(true);
    const n = Buffer.byteLength(text);
    for (let i = 1; i < n; i += 13) {
      const g = guarded();
      g.run(text, [i]);
      expect(g.out()).toBe(text);
    }
    const byByte = guarded();
    byByte.run(
      text,
      Array.from({ length: n - 1 }, (_, i) => i + 1),
    );
    expect(byByte.out()).toBe(text);
    expect(whole.toolUses()).toEqual([
      {
        exchange: 7,
        toolUseId: 'toolu_1',
        tool: 'Bash',
        input: JSON.stringify({ command: 'ls -la', description: 'x' }),
        verdict: 'allow',
        rule: null,
        outcome: 'passed',
      },
    ]);
  });

  it('keeps CRLF and CR line ends and comments as they came (a comment inside a held call comes after it)', () => {
    const events = answer([{ text: 'Hi ' }, { tool: 'Bash', pieces: bash('echo hi', 9) }]);
    const crlf = (t: string) => t.replace(/\n/g, '\r\n');
    const text = crlf(events.join(': keep-alive\n\n'));
    const g = guarded();
    g.run(text, [5, 40, 41, 200]);
    expect(g.out().replaceAll(': keep-alive\r\n\r\n', '')).toBe(crlf(events.join('')));
    expect(g.out().split(': keep-alive').length).toBe(text.split(': keep-alive').length);
    // outside the held call, byte for byte in place
    const between = crlf([...events.slice(0, 4), ': keep-alive\n\n', ...events.slice(4)].join(''));
    const b = guarded();
    b.run(between, [1, 2, 3]);
    expect(b.out()).toBe(between);
    const cr = answer([{ tool: 'Bash', pieces: bash('echo hi') }])
      .join('')
      .replace(/\n/g, '\r');
    const h = guarded();
    h.run(cr, [3, 90]);
    expect(h.out()).toBe(cr);
  });

  it('replaces a denied command with a text block at its index naming the guardrail, and stops the turn', () => {
    const g = guarded();
    g.run(answer([{ text: 'Cleaning up. ' }, { tool: 'Bash', pieces: bash('rm -rf /', 3) }]));
    const out = g.out();
    expect(out).not.toContain('tool_use"');
    expect(out).not.toContain('input_json_delta');
    const b = blocks(out);
    expect(b.stop).toBe('end_turn');
    expect(b.blocks[1]).toMatchObject({ type: 'text' });
    expect(b.blocks[1]!.text).toMatch(
      /^blocked by hoop guardrail "rm-recursive-broad": .*\nThe Bash command was not passed on to Claude Code, so it did not run: rm -rf \/$/,
    );
    expect(g.toolUses()).toEqual([expect.objectContaining({ tool: 'Bash', verdict: 'deny', rule: 'rm-recursive-broad', outcome: 'blocked' })]);
  });

  it('reads a command cut into one-character pieces, through unicode escapes, as Claude Code would', () => {
    // "rm -rf /" with its slash and its r escaped, cut inside each escape
    const json = '{"command":"\\u0072m -rf \\u002f","description":"x"}';
    const g = guarded();
    g.run(answer([{ tool: 'Bash', pieces: json.split('') }]));
    expect(commands(g.out())).toEqual([]);
    expect(g.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'rm-recursive-broad' });
  });

  it.each([
    ["bash -c 'rm -rf /'", 'deny'],
    ['env FOO=1 rm -rf /', 'deny'],
    ['sudo -E env rm -rf /', 'deny'],
    ['X=/; rm -rf $X', 'review'],
    ['FOO=/ rm -rf "$FOO"', 'review'],
    ['sh -c "$(echo cm0gLXJmIC8= | base64 -d)"', 'review'],
    ["echo 'unterminated", 'deny'],
  ])('judges %s as the shell guard reads it (%s), never passing it on', (command, verdict) => {
    const g = guarded();
    g.run(answer([{ tool: 'Bash', pieces: bash(command, 4) }]));
    expect(commands(g.out())).toEqual([]);
    expect(g.toolUses()[0]).toMatchObject({ verdict: verdict === 'review' ? 'review' : 'deny', outcome: 'blocked' });
  });

  it('judges a tool whose name differs only by case (bash, BASH)', () => {
    for (const name of ['bash', 'BASH']) {
      const g = guarded();
      g.run(answer([{ tool: name, pieces: bash('rm -rf /') }]));
      expect(blocks(g.out()).blocks.some((b) => b.type === 'tool_use')).toBe(false);
      expect(g.toolUses()[0]).toMatchObject({ tool: name, verdict: 'deny' });
    }
  });

  it('refuses input that is not JSON, not an object, or a shell call without a command (fail closed)', () => {
    for (const pieces of [['{"command": "ls"'], ['["ls"]'], ['{"cmd":"rm -rf /"}'], ['{"command":["rm","-rf","/"]}']]) {
      const g = guarded();
      g.run(answer([{ tool: 'Bash', pieces }]));
      expect(blocks(g.out()).blocks.some((b) => b.type === 'tool_use')).toBe(false);
      expect(g.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'unreadable-input', outcome: 'blocked' });
    }
  });

  it('judges the value JSON gives a key written twice: the last, as Claude Code reads it', () => {
    const g = guarded();
    g.run(answer([{ tool: 'Bash', pieces: ['{"command":"ls","command":"rm -rf /"}'] }]));
    expect(commands(g.out())).toEqual([]);
  });

  it('in a message with two calls, passes the allowed one and replaces the denied one; the turn still waits for a result', () => {
    const g = guarded();
    const text = answer([
      { tool: 'Bash', id: 'toolu_ok', pieces: bash('ls', 2) },
      { tool: 'Bash', id: 'toolu_no', pieces: bash('rm -rf /', 2) },
    ]);
    g.run(text);
    const b = blocks(g.out());
    expect(b.blocks.map((x) => x.type)).toEqual(['tool_use', 'text']);
    expect(commands(g.out())).toEqual(['ls']);
    expect(b.stop).toBe('tool_use');
    // the allowed call's own events, unchanged
    expect(g.out()).toContain(text.slice(1, 4).join(''));
    expect(g.toolUses().map((t) => [t.toolUseId, t.outcome])).toEqual([
      ['toolu_ok', 'passed'],
      ['toolu_no', 'blocked'],
    ]);
  });

  it('a start at an open index refuses the call it cuts off, and deltas after a stop are dropped', () => {
    const start = (index: number, id: string) =>
      ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: 'Bash', input: {} } });
    const delta = (index: number, p: string) =>
      ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } });
    const stop = (index: number) => ev('content_block_stop', { type: 'content_block_stop', index });
    const [head, ...rest] = answer([]);
    const tail = rest.slice(-2);
    const g = guarded();
    g.run([head!, start(0, 'a'), delta(0, '{"command":"ls"}'), start(0, 'b'), delta(0, '{"command":"rm -rf /"}'), stop(0), ...tail]);
    expect(commands(g.out())).toEqual([]);
    expect(g.toolUses().map((t) => [t.toolUseId, t.rule])).toEqual([
      ['a', 'incomplete-call'],
      ['b', 'rm-recursive-broad'],
    ]);
    const h = guarded();
    h.run([head!, start(0, 'a'), delta(0, '{"command":"ls"}'), stop(0), delta(0, '{"x":1}'), delta(3, '{"command":"rm -rf /"}'), stop(3), ...tail]);
    expect(blocks(h.out()).blocks).toEqual([{ type: 'tool_use', id: 'a', name: 'Bash', input: { command: 'ls' } }]);
    expect(h.out()).not.toContain('rm -rf');
  });

  it('refuses a call whose input comes twice (at its start and in pieces) or in a delta it does not read', () => {
    const [head, ...rest] = answer([]);
    const tail = rest.slice(-2);
    const start = (input: unknown) =>
      ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'Bash', input } });
    const delta = (d: unknown) => ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: d });
    const stop = ev('content_block_stop', { type: 'content_block_stop', index: 0 });
    const twice = guarded();
    twice.run([head!, start({ command: 'ls' }), delta({ type: 'input_json_delta', partial_json: '{"command":"rm -rf /"}' }), stop, ...tail]);
    const odd = guarded();
    odd.run([head!, start({}), delta({ type: 'input_json_delta', partial_json: '{"command":"ls"}' }), delta({ type: 'text_delta', text: 'x' }), stop, ...tail]);
    for (const g of [twice, odd]) {
      expect(blocks(g.out()).blocks.map((b) => b.type)).toEqual(['text']);
      expect(g.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'unreadable-input', outcome: 'blocked' });
    }
    // input given whole at the start, with no pieces, is judged as such
    const whole = guarded();
    whole.run([head!, start({ command: 'rm -rf /' }), stop, ...tail]);
    expect(whole.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'rm-recursive-broad' });
  });

  it('lets pings and errors through in order, and refuses a call cut off by the end of the answer', () => {
    const text = answer([{ tool: 'Bash', pieces: bash('ls', 5) }]);
    const ping = ev('ping', { type: 'ping' });
    const error = ev('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const g = guarded();
    g.run([...text.slice(0, 3), ping, ...text.slice(3)]);
    expect(commands(g.out())).toEqual(['ls']);
    expect(read(g.out()).filter((e) => e.event === 'ping')).toHaveLength(1);
    const cut = guarded();
    cut.run([...text.slice(0, 3), error]);
    const events = read(cut.out());
    expect(events.map((e) => e.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'error']);
    expect(events[1]!.data).toMatchObject({ content_block: { type: 'text' } });
    expect(cut.toolUses()[0]).toMatchObject({ verdict: 'deny', rule: 'incomplete-call', outcome: 'blocked' });
  });

  it('stops an answer whose event names and data disagree, with an error event, passing nothing held', () => {
    const text = answer([{ tool: 'Bash', pieces: bash('ls') }]);
    const g = guarded();
    const sneaky = text[1]!.replace('event: content_block_start', 'event: ping');
    g.run([text[0]!, sneaky, ...text.slice(2)]);
    const events = read(g.out());
    expect(events.map((e) => e.event)).toEqual(['message_start', 'error']);
    expect(g.ended()).toBe(true);
    const h = guarded();
    h.run([text[0]!, 'event: content_block_delta\ndata: not json\n\n', ...text.slice(1)]);
    expect(read(h.out()).map((e) => e.event)).toEqual(['message_start', 'error']);
  });
});
