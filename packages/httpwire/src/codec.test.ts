import { describe, expect, it } from 'vitest';
import {
  encodeBody,
  encodeFrame,
  encodeHead,
  ExchangeFrameError,
  ExchangeFrameParser,
  type Frame,
  FrameKind,
  MAX_EXCHANGE_FRAME,
  parseRequestHead,
  parseResponseHead,
} from './exchange';
import { MessageTally, requestedModel, summarizeMessage } from './messages';
import { SseParser, type SseEvent } from './sse';

const frames = (bytes: Buffer, cuts: number[]): Frame[] => {
  const p = new ExchangeFrameParser();
  const out: Frame[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(at, c), (f) => out.push({ ...f, payload: Buffer.from(f.payload) }));
    at = c;
  }
  return out;
};

describe('exchange frames', () => {
  const head = { method: 'POST', path: '/v1/messages?beta=true', headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json' } };
  const stream = Buffer.concat([
    encodeHead(1, FrameKind.request, head),
    ...encodeBody(1, Buffer.from('{"model":"m","messages":[]}')),
    encodeFrame(1, FrameKind.end),
    encodeHead(2, FrameKind.response, { status: 429, headers: { 'retry-after': '3' } }),
    encodeFrame(2, FrameKind.abort, Buffer.from('{"message":"gone"}')),
  ]);

  it('come out whole and in order however the bytes are split, at every offset', () => {
    const whole = frames(stream, []);
    expect(whole.map((f) => [f.exchange, f.kind])).toEqual([
      [1, FrameKind.request],
      [1, FrameKind.body],
      [1, FrameKind.end],
      [2, FrameKind.response],
      [2, FrameKind.abort],
    ]);
    expect(parseRequestHead(whole[0]!.payload)).toEqual(head);
    expect(whole[1]!.payload.toString()).toBe('{"model":"m","messages":[]}');
    expect(parseResponseHead(whole[3]!.payload)).toEqual({ status: 429, headers: { 'retry-after': '3' } });
    for (let i = 1; i < stream.length; i++) expect(frames(stream, [i])).toEqual(whole);
    expect(
      frames(
        stream,
        Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(whole);
  });

  it('split a large body into frames under the limit that join back to it', () => {
    const body = Buffer.alloc(MAX_EXCHANGE_FRAME * 2 + 17, 7);
    const out = encodeBody(5, body);
    expect(out.length).toBe(3);
    const got = frames(Buffer.concat(out), []);
    expect(Buffer.concat(got.map((f) => f.payload)).equals(body)).toBe(true);
  });

  it('refuse a length out of bounds or an unknown kind before holding any of it', () => {
    const huge = Buffer.alloc(9);
    huge.writeUInt32BE(MAX_EXCHANGE_FRAME + 1, 0);
    expect(() => new ExchangeFrameParser().push(huge, () => undefined)).toThrow(ExchangeFrameError);
    const tiny = Buffer.alloc(9);
    tiny.writeUInt32BE(2, 0);
    expect(() => new ExchangeFrameParser().push(tiny, () => undefined)).toThrow(/out of bounds/);
    const kind = encodeFrame(1, FrameKind.end);
    kind.writeUInt8(9, 8);
    expect(() => new ExchangeFrameParser().push(kind, () => undefined)).toThrow(/unknown frame kind 9/);
  });

  it('read heads strictly: a method, one leading slash, header names in lower case with text values', () => {
    const bad = (v: unknown) => parseRequestHead(Buffer.from(JSON.stringify(v)));
    expect(bad({ method: 'post', path: '/v1', headers: {} })).toMatch(/method/);
    expect(bad({ method: 'POST', path: '//evil.example/v1', headers: {} })).toMatch(/one \//);
    expect(bad({ method: 'POST', path: 'http://evil.example/v1', headers: {} })).toMatch(/one \//);
    expect(bad({ method: 'POST', path: '/v1', headers: { 'X-Up': 'a' } })).toMatch(/headers/);
    expect(bad({ method: 'POST', path: '/v1', headers: { a: 1 } })).toMatch(/headers/);
    expect(parseRequestHead(Buffer.from('not json'))).toMatch(/not a JSON object/);
    expect(parseResponseHead(Buffer.from('{"status":99,"headers":{}}'))).toMatch(/status/);
  });
});

const events = (text: string, cuts: number[] = []): SseEvent[] => {
  const p = new SseParser();
  const out: SseEvent[] = [];
  const bytes = Buffer.from(text);
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    p.push(bytes.subarray(at, c), (e) => out.push(e));
    at = c;
  }
  return out;
};

describe('event stream', () => {
  const text = 'event: message_start\ndata: {"a":1}\n\n: ping comment\r\nevent: delta\r\ndata: x\r\ndata:y\r\n\r\ndata: é✓\rid: 7\r\r';

  it('gives each event at its blank line, for LF, CRLF and CR, split at every byte (multi-byte characters too)', () => {
    const whole = events(text);
    expect(whole).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: 'delta', data: 'x\ny' },
      { event: 'message', data: 'é✓', id: '7' },
    ]);
    const n = Buffer.byteLength(text);
    for (let i = 1; i < n; i++) expect(events(text, [i])).toEqual(whole);
    expect(
      events(
        text,
        Array.from({ length: n - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(whole);
  });

  it('keeps an event without its blank line back, and refuses a line over the limit', () => {
    expect(events('data: half')).toEqual([]);
    expect(() => new SseParser(10).push(Buffer.from('data: 0123456789'), () => undefined)).toThrow(/over 10 characters/);
  });
});

const sse = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

describe('what a Messages answer says', () => {
  it('reads model, usage, stop reason, text and tool calls from the streamed events', () => {
    const stream =
      sse('message_start', {
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 12, cache_read_input_tokens: 100, output_tokens: 1 } },
      }) +
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Let me ' } }) +
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'look.' } }) +
      sse('ping', { type: 'ping' }) +
      sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} } }) +
      sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"command":' } }) +
      sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"ls"}' } }) +
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 30 } }) +
      sse('message_stop', { type: 'message_stop' });
    const tally = new MessageTally();
    for (const e of events(stream)) tally.event(e);
    expect(tally.summary()).toEqual({
      id: 'msg_1',
      model: 'claude-x',
      stopReason: 'tool_use',
      usage: { inputTokens: 12, outputTokens: 30, cacheCreationInputTokens: 0, cacheReadInputTokens: 100 },
      toolUses: [{ id: 'toolu_1', name: 'Bash', input: '{"command":"ls"}' }],
      text: 'Let me look.',
      error: null,
    });
  });

  it('reads an error event, and a message or an error that was not streamed', () => {
    const tally = new MessageTally();
    for (const e of events(sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }))) tally.event(e);
    expect(tally.summary().error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    const m = summarizeMessage(
      JSON.stringify({
        id: 'msg_2',
        type: 'message',
        model: 'claude-y',
        content: [{ type: 'tool_use', id: 't', name: 'Read', input: { file_path: '/etc/hosts' } }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 5, output_tokens: 9 },
      }),
    );
    expect(m).toMatchObject({ model: 'claude-y', stopReason: 'tool_use', usage: { inputTokens: 5, outputTokens: 9 } });
    expect(m.toolUses).toEqual([{ id: 't', name: 'Read', input: '{"file_path":"/etc/hosts"}' }]);
    expect(summarizeMessage('{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}').error).toEqual({
      type: 'rate_limit_error',
      message: 'slow',
    });
    expect(summarizeMessage('not json').model).toBeNull();
    expect(requestedModel('{"model":"claude-z","stream":true}')).toEqual({ model: 'claude-z', stream: true });
  });

  it('ignores what it cannot read without failing: unknown events, bad JSON, deltas of unknown blocks', () => {
    const tally = new MessageTally();
    for (const data of ['{', '[]', '{"type":"content_block_delta","index":9,"delta":{"type":"text_delta","text":"x"}}', '{"type":"future_event"}'])
      tally.event({ event: 'x', data });
    expect(tally.summary()).toMatchObject({ model: null, text: '', toolUses: [] });
  });
});
