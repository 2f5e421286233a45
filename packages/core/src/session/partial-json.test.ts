import { describe, expect, it } from 'vitest';
import { parseJsonPrefix } from './partial-json';

const DOC = {
  model: 'claude-x',
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'say "hi" \\ then\nstop é ✓ \u0001 😀' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls -la', n: -12.5e3, ok: true, no: false, x: null } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [] }] },
  ],
  max_tokens: 100,
};

/** `part` holds nothing `whole` does not: objects and arrays as far as they go, strings as prefixes. */
function isPrefixOf(part: unknown, whole: unknown): boolean {
  if (typeof part === 'string') return typeof whole === 'string' && whole.startsWith(part);
  if (Array.isArray(part)) return Array.isArray(whole) && part.length <= whole.length && part.every((p, i) => isPrefixOf(p, whole[i]));
  if (part && typeof part === 'object') {
    if (!whole || typeof whole !== 'object') return false;
    return Object.entries(part).every(([k, v]) => Object.hasOwn(whole, k) && isPrefixOf(v, (whole as Record<string, unknown>)[k]));
  }
  return part === whole;
}

describe('parseJsonPrefix', () => {
  const text = JSON.stringify(DOC, null, 1);

  it('reads the whole text as JSON.parse does', () => {
    const r = parseJsonPrefix(text)!;
    expect(r.complete).toBe(true);
    expect(r.value).toEqual(DOC);
    expect(r.open.size).toBe(0);
  });

  it('reads every prefix as far as it goes, keeping nothing the whole does not hold', () => {
    let lastMessages = 0;
    const messagesEnd = text.lastIndexOf(']', text.indexOf('"max_tokens"'));
    for (let cut = 0; cut < text.length; cut++) {
      const r = parseJsonPrefix(text.slice(0, cut));
      expect(r, `cut at ${cut}`).not.toBeNull();
      expect(r!.complete).toBe(false);
      expect(isPrefixOf(r!.value ?? {}, DOC), `cut at ${cut}: ${JSON.stringify(r!.value)}`).toBe(true);
      const messages = (r!.value as { messages?: unknown[] } | undefined)?.messages;
      if (messages) {
        expect(messages.length).toBeGreaterThanOrEqual(lastMessages);
        lastMessages = messages.length;
        expect(r!.open.has(messages)).toBe(cut <= messagesEnd);
      }
    }
    expect(lastMessages).toBe(3);
  });

  it('also reads the compact text cut anywhere, a surrogate pair or an escape split included', () => {
    const compact = JSON.stringify(DOC);
    for (let cut = 0; cut < compact.length; cut++) expect(isPrefixOf(parseJsonPrefix(compact.slice(0, cut))!.value ?? {}, DOC)).toBe(true);
  });

  it('says which objects the cut left open', () => {
    const r = parseJsonPrefix('{"messages":[{"role":"user","content":"done"},{"role":"user","content":"hal')!;
    const m = (r.value as { messages: { content: string }[] }).messages;
    expect(m).toHaveLength(2);
    expect(r.open.has(m[0]!)).toBe(false);
    expect(r.open.has(m[1]!)).toBe(true);
    expect(m[1]!.content).toBe('hal');
  });

  it('refuses text that is not JSON before the cut', () => {
    for (const bad of ['{"a":1 "b":2}', '{a:1}', '[1,,2]', '{"a":tru}', '{"a":"\\x"}', 'hello', '{"a":1}}', '{"a":"\u0001"}', '{"a":1}{'])
      expect(parseJsonPrefix(bad), bad).toBeNull();
  });

  it('refuses nesting deeper than it reads, without exhausting the stack', () => {
    expect(parseJsonPrefix('['.repeat(100_000))).toBeNull();
    expect(parseJsonPrefix(`${'['.repeat(200)}${']'.repeat(200)}`)!.complete).toBe(true);
  });

  it('keeps a __proto__ key as a key, not as the prototype', () => {
    const r = parseJsonPrefix('{"__proto__":{"polluted":true},"a":1}')!;
    const v = r.value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect((v as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
