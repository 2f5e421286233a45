import { initShellGuard } from '@hoop/pipeline';
import { beforeAll, describe, expect, it } from 'vitest';
import { hooksFor } from '../policy-hooks';
import type { LineReadings } from './command-line';
import { expandsHistory } from './history-expansion';
import { bangTails, closeConstructs, continuesOnNextLine, judgeTerminalLine, type LineJudgement, type TerminalMode } from './line-judge';

/** the real shell guard, with a policy that refuses every `rm` and holds `touch` for review */
const conn = {
  id: 'c1',
  name: 'web',
  type: 'ssh' as const,
  config: {},
  secretRef: null,
  readOnly: false,
  policy: {
    name: 'p',
    guardrails: {
      shell: {
        rules: [
          { id: 'no-rm', action: 'deny', message: 'no rm', match: { commands: ['rm'] } },
          { id: 'touch-review', action: 'review', match: { commands: ['touch'] } },
        ],
      },
    },
  },
};
const judge = hooksFor(() => conn as never, 'k'.repeat(64), 'shell').judge;

beforeAll(() => initShellGuard());

/** readings of a line typed and echoed as it was typed, overridden where a case says so */
function typed(line: string, over: Partial<LineReadings> = {}): LineReadings {
  return { typed: line, literal: line, keys: line, screen: line.trim(), row: null, seen: [], fullScreen: false, cursorOnLine: true, disturbed: false, ...over };
}
/** readings after a key only the screen can follow (history, completion, Escape) */
function shown(screen: string | null, over: Partial<LineReadings> = {}): LineReadings {
  return typed('', { typed: null, literal: '\x1b[A', keys: '', screen, ...over });
}

const run = (r: LineReadings, mode: TerminalMode = 'shell', continuation = '') => judgeTerminalLine(judge, r, mode, continuation);
const decision = (j: LineJudgement) => (j.kind === 'incomplete' ? 'incomplete' : `${j.verdict.action}${j.verdict.ruleId ? `:${j.verdict.ruleId}` : ''}`);

describe('judgeTerminalLine at a shell prompt', () => {
  it.each([
    ['ls -la /var/log', 'allow'],
    ['rm -rf /srv/app', 'deny:no-rm'],
    ['cd / && sudo bash -c "rm -r -f srv"', 'deny:no-rm'],
    ['touch /tmp/x', 'review:touch-review'],
    ['mkfs.ext4 /dev/sda1', 'deny:mkfs'],
    ['printf("hi\\n");', 'deny:parse-error'],
    ["printf '\\e[?1049h'", 'allow'],
    ['', 'allow'],
  ])('%s → %s', (line, expected) => {
    expect(decision(run(typed(line)))).toBe(expected);
  });

  it('judges a line recalled from history or completed from the screen, and refuses one the screen does not show', () => {
    expect(decision(run(shown('rm -rf /srv/app')))).toBe('deny:no-rm');
    expect(decision(run(shown('ls /srv/app')))).toBe('allow');
    expect(run(shown(null))).toMatchObject({ kind: 'judged', verdict: { action: 'deny', ruleId: 'unreadable-line' } });
    // with no reading of the line, a guardrail the keystrokes trip still names the reason
    expect(decision(run(shown(null, { literal: 'rm -rf /srv/app' })))).toBe('deny:no-rm');
    // something else painted the terminal while the line was typed: the screen proves nothing
    expect(run(shown('ls', { disturbed: true }))).toMatchObject({
      verdict: { ruleId: 'unreadable-line', message: expect.stringMatching(/something else wrote to the terminal/) },
    });
  });

  it('counts what the screen showed of a recalled line before it was painted over', () => {
    expect(decision(run(shown('ls', { seen: ['rm -rf /srv/app', 'ls'] })))).toBe('deny:no-rm');
  });

  it('opens no construct early: a screen behind the keystrokes shows half a quote, and a shell runs nothing before it closes', () => {
    const j = run(typed("bash -c 'rm -rf /srv/app", { screen: "bash -c 'rm -rf /sr" }));
    expect(j.kind).toBe('incomplete');
    expect(decision(run(typed("'"), 'shell', j.kind === 'incomplete' ? j.continuation : ''))).toBe('deny:no-rm');
  });

  it('counts the screen when the keystrokes are known, but only for a rule it trips (it may hold part of a prompt)', () => {
    expect(decision(run(typed('ls', { screen: 'rm -rf /srv/app' })))).toBe('deny:no-rm');
    expect(decision(run(typed('ls', { screen: '(venv) ls' })))).toBe('allow');
  });

  it('judges the keys as a terminal in cooked mode passes them: Home there is three characters, not a cursor move', () => {
    // typed `rm -rf x #`, Home, `echo `: a line editor runs `echo rm -rf x #`, `bash --noediting` runs `rm -rf x`
    const r = typed('echo rm -rf x #', { literal: 'rm -rf x #\x1b[Hecho ', screen: '' });
    expect(decision(run(r))).toBe('deny:no-rm');
  });

  it('joins a line ending in a backslash to the next, as the shell does', () => {
    const first = run(typed('r\\'));
    expect(first).toEqual({ kind: 'incomplete', continuation: 'r\\' });
    expect(decision(run(typed('m -rf /srv/app'), 'shell', 'r\\'))).toBe('deny:no-rm');
    expect(decision(run(typed('echo a\\\\')))).toBe('allow');
  });

  it('judges an open construct whole once it closes, and each of its lines on its own (the shell may have dropped the construct)', () => {
    let j = run(typed('for i in 1 2; do'));
    expect(j).toEqual({ kind: 'incomplete', continuation: 'for i in 1 2; do' });
    j = run(typed('echo $i'), 'shell', 'for i in 1 2; do');
    expect(j.kind).toBe('incomplete');
    j = run(typed('done'), 'shell', 'for i in 1 2; do\necho $i');
    expect(j).toMatchObject({ kind: 'judged', verdict: { action: 'allow' }, text: 'for i in 1 2; do\necho $i\ndone', line: 'done' });
    // inside a quote the joined text is still open, but the line alone is a command a shell may run
    expect(decision(run(typed('rm -rf /srv/app'), 'shell', "echo '"))).toBe('deny:no-rm');
    // a heredoc fed to a shell is judged with what it holds
    expect(decision(run(typed('rm -rf /srv/app'), 'shell', 'bash <<EOF'))).toBe('deny:no-rm');
    expect(run(typed('some text'), 'shell', 'cat <<EOF').kind).toBe('incomplete');
  });

  it('refuses what bash would take from its history, with the guardrail that matched when one does', () => {
    expect(decision(run(typed('!!')))).toBe('deny:history-expansion');
    expect(decision(run(typed('sudo !-1')))).toBe('deny:history-expansion');
    expect(decision(run(typed('^ls^rm')))).toBe('deny:history-expansion');
    expect(decision(run(typed('!rm -rf /srv/app')))).toBe('deny:no-rm');
    expect(decision(run(typed('echo done!')))).toBe('allow');
  });

  it('judges what follows a `!`: the shell escape of vim, less, ed, psql even where the screen looks like a prompt', () => {
    expect(decision(run(typed(':! rm -rf /srv/app')))).toBe('deny:no-rm');
    expect(decision(run(typed('\\! rm -rf /srv/app')))).toBe('deny:no-rm');
    expect(decision(run(typed('[ "$a" != "b" ] && echo differ')))).toBe('allow');
  });

  it('reads a program prompt off the cursor row when the keystrokes cannot tell (nano: Ctrl-R Ctrl-X)', () => {
    expect(decision(run(shown('', { screen: 'x', row: 'Command to execute: rm -rf /srv/app', keys: '' })))).toBe('deny:no-rm');
  });
});

describe('judgeTerminalLine on the alternate screen', () => {
  const fs = (r: LineReadings, continuation = '') => run({ ...r, fullScreen: true }, 'full-screen', continuation);

  it.each([
    ['hello from vim', 'allow'],
    ['Plain text, with commas. And a full stop.', 'allow'],
    ['printf("hi\\n");', 'allow'],
    // a heredoc, for a shell: the line passes and what follows is read as its body
    ['cout << x;', 'incomplete'],
    ['- [ ] a task', 'allow'],
    ['rm -rf /srv/app', 'deny:no-rm'],
    [':!rm -rf /srv/app', 'deny:no-rm'],
    [':r !rm -rf /srv/app', 'deny:no-rm'],
    [':%!rm -rf /srv/app', 'deny:no-rm'],
    [':! echo from-vim', 'allow'],
    ['!rm -rf /srv/app', 'deny:no-rm'],
    [':wq', 'allow'],
    ['foo(); rm -rf /srv/app; bar(', 'deny:no-rm'],
    ['x = `rm -rf /srv/app`', 'deny:no-rm'],
    ['touch notes', 'review:touch-review'],
    // the command lines of tmux, screen and vim themselves
    ['run-shell "rm -rf /srv/app"', 'deny:no-rm'],
    ['run-shell rm -rf /srv/app', 'deny:no-rm'],
    ['exec rm -rf /srv/app', 'deny:no-rm'],
    [":call system('rm -rf /srv/app')", 'deny:no-rm'],
    ['new-window -n logs "tail -f /var/log/syslog"', 'allow'],
    ['echo still-$((6*7))-here', 'allow'],
    ['$EDITOR notes.txt', 'review:dynamic-command'],
  ])('%s → %s', (line, expected) => {
    expect(decision(fs(typed(line)))).toBe(expected);
  });

  it('refuses a line too long for the shell guard to read, whatever the screen', () => {
    expect(decision(fs(typed(`echo ${'x'.repeat(70_000)}`)))).toBe('deny:too-long');
  });

  it('follows text with an open quote as a shell would, still judging each line', () => {
    const first = fs(typed("it's plain text (with an apostrophe)"));
    expect(first.kind).toBe('incomplete');
    const cont = first.kind === 'incomplete' ? first.continuation : '';
    expect(fs(typed('line three'), cont).kind).toBe('incomplete');
    expect(decision(fs(typed('rm -rf /srv/app'), cont))).toBe('deny:no-rm');
    expect(decision(fs(shown(null, { row: ':!rm -rf /srv/app', keys: ':!rm -rf /srv/app', cursorOnLine: false }), cont))).toBe('deny:no-rm');
  });

  it('keeps only the last lines of an open construct of editor text, and still judges what they hold', () => {
    const cont = `it's\n${'plain text line\n'.repeat(3000)}tail`;
    const j = fs(typed('more text'), cont);
    expect(j.kind).toBe('incomplete');
    const kept = j.kind === 'incomplete' ? j.continuation : '';
    expect(kept.length).toBeLessThanOrEqual(16 * 1024);
    expect(kept.endsWith('tail\nmore text')).toBe(true);
    expect(decision(fs(typed('rm -rf /srv/app'), kept))).toBe('deny:no-rm');
  });

  it("reads a program's command line off the cursor row after Escape", () => {
    // the cursor moved to vim's command line: the text where typing began is the file, not the line
    expect(decision(fs(shown('rm -rf /srv/app', { row: ':wq', keys: ':wq', cursorOnLine: false })))).toBe('allow');
    expect(decision(fs(shown('notes', { row: ':!rm -rf /srv/app', keys: '', cursorOnLine: false })))).toBe('deny:no-rm');
    // with the cursor still on the line where typing began, a shell's line editor may have drawn it there
    expect(decision(fs(shown('rm -rf /srv/app', { row: 'PROMPT$ rm -rf /srv/app', cursorOnLine: true })))).toBe('deny:no-rm');
  });

  it('refuses a line it has no reading of, and one typed while something else wrote to the terminal', () => {
    expect(decision(fs(shown(null, { row: null, cursorOnLine: true })))).toBe('deny:unreadable-line');
    expect(decision(fs(shown('ls', { row: 'ls', disturbed: true })))).toBe('deny:unreadable-line');
  });
});

describe('pieces', () => {
  it('tells when bash would expand history', () => {
    for (const yes of ['!!', '!-1', 'echo !rm', 'echo x!y', 'echo "a!b"', 'ls !(x)', 'echo !"x"', '^old^new', 'echo hi # wow!x'])
      expect(expandsHistory(yes), yes).toBe(true);
    for (const no of [
      'echo hi!',
      'echo "wow!"',
      "echo 'a!b'",
      'echo a\\!b',
      'echo "a\\!b"',
      'echo $!',
      'echo ${!HO*}',
      'ls [!a]*',
      'if ! true; then :; fi',
      '[ a != b ]',
      'a! =b',
      'x^y',
    ]) {
      expect(expandsHistory(no), no).toBe(false);
    }
  });

  it('closes open constructs so what they hold can be judged', () => {
    for (const [open, rule] of [
      ["don't", undefined],
      ['bash -c "rm -rf /srv/app', 'no-rm'],
      ['for i in 1; do rm -rf /srv/app', 'no-rm'],
      ['bash <<EOF\nrm -rf /srv/app', 'no-rm'],
      ['echo $(rm -rf /srv/app', 'no-rm'],
      ['{ rm -rf /srv/app', 'no-rm'],
      ['case x in', undefined],
      ['ls |', undefined],
    ] as const) {
      const closed = closeConstructs(judge, open);
      expect(closed, open).not.toBeNull();
      expect(closed!.verdict.incomplete, open).toBeFalsy();
      expect(closed!.verdict.ruleId, open).toBe(rule);
    }
  });

  it('finds line continuations and `!` escapes', () => {
    expect(continuesOnNextLine('r\\')).toBe(true);
    expect(continuesOnNextLine('r\\\\')).toBe(false);
    expect(continuesOnNextLine('r\\ ')).toBe(false);
    expect(bangTails(':r !ls -l')).toEqual(['ls -l']);
    expect(bangTails('a!b!c')).toEqual(['b!c', 'c']);
  });
});
