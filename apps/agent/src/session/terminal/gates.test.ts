import { describe, expect, it } from 'vitest';
import type { Verdict } from '../hooks';
import { gateHarness } from './gate-harness';
import { judgeLines, lineGate } from './gates';
import type { OutputPipe } from '../output-pipe';

const judge = (line: string): Verdict =>
  /rm -rf/.test(line)
    ? { action: 'deny', ruleId: 'rm-recursive-broad', message: 'no' }
    : /^touch/.test(line)
      ? { action: 'review', ruleId: 'touch-review' }
      : { action: 'allow' };

describe('judgeLines', () => {
  it('refuses a line neither the keystrokes nor the screen could read, instead of letting it run', () => {
    const r = judgeLines(judge, null, null);
    expect(r).not.toBe('incomplete');
    expect(r).toMatchObject({ verdict: { action: 'deny', ruleId: 'unreadable-line' } });
  });

  it('lets an empty line through, and judges the worse of the two readings', () => {
    expect(judgeLines(judge, '', '')).toMatchObject({ verdict: { action: 'allow' } });
    expect(judgeLines(judge, 'rm -rf /srv/app', null)).toMatchObject({ verdict: { action: 'deny' }, text: 'rm -rf /srv/app' });
    expect(judgeLines(judge, 'ls /srv/app', 'rm -rf /srv/app')).toMatchObject({ verdict: { action: 'deny' }, text: 'rm -rf /srv/app' });
  });

  it('holds a line ending in a backslash for the next one, as a shell joins them', () => {
    expect(judgeLines(judge, null, 'r\\')).toBe('incomplete');
    expect(judgeLines(judge, null, 'echo a\\\\')).toMatchObject({ verdict: { action: 'allow' } });
  });
});

/** A line gate before a target that takes what it is written (see gate-harness.ts). */
function lineSession(limit = Infinity) {
  const h = gateHarness(judge, { limit });
  const gate = lineGate(h.ctx, h.target, { inject: () => undefined } as unknown as OutputPipe);
  return { gate, reviews: h.reviews, written: h.written, held: h.held, slow: h.slow };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('lineGate: the client input it holds', () => {
  it('counts the lines sent behind a line in review, and frees them once they went on', async () => {
    const s = lineSession();
    s.gate.push('touch /srv/flag\n');
    await settle();
    expect(s.reviews).toHaveLength(1);
    s.gate.push('echo one\necho t');
    expect(s.held()).toBe('echo one'.length + 'echo t'.length);
    s.gate.push('wo\n');
    expect(s.held()).toBe('echo one'.length + 'echo two'.length);
    expect(s.written).toEqual([]);
    s.reviews[0]!('approved');
    await settle();
    expect(s.written).toEqual(['touch /srv/flag\n', 'echo one\n', 'echo two\n']);
    expect(s.held()).toBe(0);
  });

  it('drops all it holds, and passes nothing more on, once the session cannot hold more', async () => {
    const s = lineSession(20);
    s.gate.push('touch /srv/flag\n');
    await settle();
    s.gate.push('echo one\n');
    expect(s.held()).toBe(8);
    s.gate.push('echo two\necho three\n');
    expect(s.held()).toBe(26);
    // the session is over: what comes later is dropped too, and nothing runs, even if the review is decided
    s.gate.push('echo four\n');
    s.reviews[0]!('approved');
    await settle();
    expect(s.written).toEqual([]);
    expect(s.held()).toBe(0);
  });

  it('keeps lines for a target that does not read, counted, instead of writing them on', async () => {
    const s = lineSession();
    s.slow(true);
    s.gate.push('echo 0123456789abcdef\n');
    s.gate.push('echo one\necho two\n');
    await settle();
    expect(s.written).toEqual(['echo 0123456789abcdef\n']);
    expect(s.held()).toBe('echo one'.length + 'echo two'.length);
    s.slow(false);
    await settle();
    expect(s.written).toEqual(['echo 0123456789abcdef\n', 'echo one\n', 'echo two\n']);
    expect(s.held()).toBe(0);
  });
});
