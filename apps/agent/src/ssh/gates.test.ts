import { describe, expect, it } from 'vitest';
import type { Verdict } from '../postgres/hooks';
import { judgeLines } from './gates';

const judge = (line: string): Verdict => (/rm -rf/.test(line) ? { action: 'deny', ruleId: 'rm-recursive-broad', message: 'no' } : { action: 'allow' });

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
