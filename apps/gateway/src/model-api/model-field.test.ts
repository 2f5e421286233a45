import { describe, expect, it } from 'vitest';
import { modelAllowed, requestModel, topLevelKeyCount } from './model-field';

const read = (text: string) => requestModel(Buffer.from(text, 'utf8'));
const ALLOWED = ['claude-haiku-*', 'claude-sonnet-4-5'];

describe('the model a request body names', () => {
  it('reads the top-level model, whatever comes before it and however long', () => {
    const long = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(3_000_000) }], max_tokens: 5, model: 'claude-opus-4' });
    expect(read(long)).toEqual({ model: 'claude-opus-4' });
    expect(read('{"model":"claude-haiku-4"}')).toEqual({ model: 'claude-haiku-4' });
    expect(read(' \n{ "model" :\t"claude-haiku-4" } ')).toEqual({ model: 'claude-haiku-4' });
  });

  it('decodes escapes in keys and values as a JSON parser does', () => {
    expect(read('{"mo\\u0064el":"claude-opus-4"}')).toEqual({ model: 'claude-opus-4' });
    expect(read('{"model":"claude-\\u006fpus-4"}')).toEqual({ model: 'claude-opus-4' });
    expect(read('{"\\u006d\\u006f\\u0064\\u0065\\u006c":"claude-opus-4"}')).toEqual({ model: 'claude-opus-4' });
  });

  it('refuses a model named twice, however the second is spelled', () => {
    for (const body of [
      '{"model":"claude-haiku-4","model":"claude-opus-4"}',
      '{"model":"claude-haiku-4","messages":[{"model":"x"}],"mo\\u0064el":"claude-opus-4"}',
      '{"model":"claude-haiku-4","model":"claude-haiku-4"}',
    ])
      expect(read(body), body).toEqual({ error: 'the request names its model more than once' });
  });

  it('does not take a model from a nested object, a string value or an array', () => {
    expect(read('{"metadata":{"model":"claude-haiku-4"},"messages":[]}')).toEqual({ error: 'the request names no model' });
    expect(read('{"system":"\\"model\\":\\"claude-haiku-4\\"","messages":[]}')).toEqual({ error: 'the request names no model' });
    expect(read('[{"model":"claude-haiku-4"}]')).toEqual({ error: 'the request body is not a JSON object' });
    // a value that ends in backslashes, then the real key
    expect(read('{"system":"a\\\\","model":"claude-opus-4","x":{"model":"claude-haiku-4"}}')).toEqual({ model: 'claude-opus-4' });
  });

  it('refuses what is not a plain model id: other types, spaces, control characters, non-ASCII look-alikes', () => {
    expect(read('{"model":["claude-haiku-4"]}')).toEqual({ error: 'the request\'s "model" is not a string' });
    expect(read('{"model":null}')).toEqual({ error: 'the request\'s "model" is not a string' });
    for (const m of [' claude-haiku-4', 'claude-haiku-4 ', 'claude-haiku-4\n', 'claude-haiku-4\u0000', 'claude-haіku-4', ''])
      expect('error' in read(JSON.stringify({ model: m })), JSON.stringify(m)).toBe(true);
  });

  it('refuses bodies that are not UTF-8 JSON', () => {
    expect(read('{"model":"claude-haiku-4",}')).toMatchObject({ error: expect.stringMatching(/^the request body is not JSON/) });
    expect(read('{"model":"claude-haiku-4"} {"model":"claude-opus-4"}')).toMatchObject({ error: expect.stringMatching(/not JSON/) });
    const overlong = Buffer.concat([Buffer.from('{"model":"claude-haiku-4","x":"'), Buffer.from([0xc0, 0xa2]), Buffer.from('"}')]);
    expect(requestModel(overlong)).toEqual({ error: 'the request body is not valid UTF-8' });
    expect(read('\uFEFF{"model":"claude-haiku-4"}')).toMatchObject({ error: expect.stringMatching(/not JSON/) });
  });

  it('counts keys of the root object only', () => {
    expect(topLevelKeyCount('{"a":{"a":1},"b":["a",{"a":2}],"a":3}', 'a')).toBe(2);
    expect(topLevelKeyCount('{"x":"}\\"a\\":","a":1}', 'a')).toBe(1);
  });
});

describe('the allow-list', () => {
  it('matches whole names, case and all', () => {
    expect(modelAllowed('claude-haiku-4-5-20251001', ALLOWED)).toBe(true);
    expect(modelAllowed('claude-sonnet-4-5', ALLOWED)).toBe(true);
    for (const m of ['Claude-Haiku-4', 'CLAUDE-HAIKU-4', 'claude-sonnet-4-5-20250929', 'xclaude-haiku-4', 'claude-opus-4', 'claude-haiku'])
      expect(modelAllowed(m, ALLOWED), m).toBe(false);
    // glob characters other than * are literal
    expect(modelAllowed('claude-sonnet-4x5', ['claude-sonnet-4.5'])).toBe(false);
    expect(modelAllowed('anything', ['*'])).toBe(true);
  });
});
