import { describe, expect, it } from 'vitest';
import type { Verdict } from '../hooks';
import { CommandLineTracker } from './command-line';
import { gateHarness } from './gate-harness';
import { splitKeys } from './keystrokes';
import type { OutputPipe } from '../output-pipe';
import { ptyGate } from './terminal-gate';

const PROMPT = 'root@web-1:~# ';

/**
 * A shell with a line editor and a history, as readline answers keys: each key it reads redraws the line, the cursor
 * where the editor has it. `lag` holds its answers back, as a loaded host does: `release(n)` lets the next n through.
 */
function slowShell(history: string[]) {
  let line = '';
  let cursor = 0;
  const ran: string[] = [];
  const answers: string[] = [];
  let lag = false;
  let screen: (s: string) => void = () => undefined;
  const redraw = () => `\r\x1b[K${PROMPT}${line}${line.length > cursor ? `\x1b[${line.length - cursor}D` : ''}`;
  const answer = (s: string) => (lag ? answers.push(s) : screen(s));
  const read = (data: string) => {
    for (const k of splitKeys(data).keys) {
      if (k.kind === 'text') {
        for (const ch of k.text) {
          line = line.slice(0, cursor) + ch + line.slice(cursor);
          cursor++;
          answer(redraw());
        }
        continue;
      }
      if (k.kind === 'ctrl' && k.code === 0x0d) {
        ran.push(line);
        line = '';
        cursor = 0;
        answer(`\r\n${PROMPT}`);
        continue;
      }
      if (k.kind === 'escape' && k.seq === '\x1b[A') [line, cursor] = [history.at(-1) ?? line, (history.at(-1) ?? line).length];
      else if (k.kind === 'delete') line = line.slice(0, cursor) + line.slice(cursor + 1);
      else if (k.kind === 'ctrl' && k.code === 0x7f && cursor > 0) [line, cursor] = [line.slice(0, cursor - 1) + line.slice(cursor), cursor - 1];
      else if (k.kind === 'ctrl' && k.code === 0x15) [line, cursor] = [line.slice(cursor), 0];
      else if (k.kind === 'home' || (k.kind === 'ctrl' && k.code === 0x01)) cursor = 0;
      else if (k.kind === 'end' || (k.kind === 'ctrl' && k.code === 0x05)) cursor = line.length;
      answer(redraw());
    }
  };
  return {
    read,
    ran,
    connect(s: (out: string) => void) {
      screen = s;
    },
    lag(on: boolean) {
      lag = on;
    },
    release(n = Infinity) {
      for (const s of answers.splice(0, n)) screen(s);
    },
  };
}

const DIR = '/srv/app';

function tracked() {
  const shell = slowShell([`ls ${DIR}`]);
  const t = new CommandLineTracker(80, 24);
  shell.connect((s) => t.output(s));
  t.output(PROMPT);
  const key = (k: string) => {
    t.input(k);
    shell.read(k);
  };
  return { t, shell, key, keys: (ks: string[]) => ks.forEach(key) };
}

/** the test's recall-and-edit: `ls DIR` recalled, its `ls` deleted, `rm -rf` typed in its place */
const EDIT = ['\x01', '\x1b[3~', '\x1b[3~', ...'rm -rf'];

describe('CommandLineTracker on a screen that lags behind the keys', () => {
  it('reads a recalled and edited line once the screen shows every key answered', async () => {
    const { t, key, keys } = tracked();
    key('\x1b[A');
    keys(EDIT);
    expect(await t.lineAtEnter(1, 50, 300)).toMatchObject({ typed: null, screen: `rm -rf ${DIR}` });
  });

  it('does not read a screen that has answered only some of the keys, however long it stays quiet', async () => {
    const { t, shell, key, keys } = tracked();
    key('\x1b[A');
    shell.lag(true);
    keys(EDIT);
    // the answers up to `rm ` came; the rest are late
    shell.release(6);
    expect(await t.lineAtEnter(1, 50, 300)).toMatchObject({ typed: null, screen: null, seen: expect.arrayContaining([`rm  ${DIR}`]) });
    shell.release();
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe(`rm -rf ${DIR}`);
  });

  it('does not read a screen still showing the line before an edit key, nor the keys typed before the recall', async () => {
    const { t, shell, key } = tracked();
    key('\x1b[A');
    // Backspace after the recall: the screen still shows the recalled line
    shell.lag(true);
    key('\x7f');
    shell.release(0);
    key('x');
    key('\x7f');
    // the answers to the backspace and the `x`, not yet to the last backspace
    shell.release(2);
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBeNull();
    shell.release();
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe(`ls ${DIR.slice(0, -1)}`);
  });

  it('does not take the late echo of keys typed before a recall for the recalled line', async () => {
    const { t, shell, key, keys } = tracked();
    shell.lag(true);
    keys([...'echo hi']);
    key('\x1b[A');
    // the echo of `echo hi` came, the recall's answer did not
    shell.release(7);
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBeNull();
    shell.release();
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe(`ls ${DIR}`);
  });
});

describe('CommandLineTracker on a recall typed ahead of the prompt', () => {
  it.each([
    ['reads the recalled line once the prompt came before the arrow key', false, `ls ${DIR}`],
    ['does not read the screen when the arrow key came before the prompt, whatever it shows later', true, null],
  ])('%s', async (_name, ahead, screen) => {
    const { t, shell, key, keys } = tracked();
    keys([...'echo one']);
    await t.lineAtEnter(1, 50, 300);
    // Enter went through: the command's output, then (late, when the keys come ahead of it) the next prompt
    t.reset();
    t.output('\r\none\r\n');
    if (!ahead) t.output(PROMPT);
    shell.lag(true);
    key('\x1b[A');
    if (ahead) {
      // the prompt came, the recall's answer not yet: the screen shows a prompt and no command
      t.output(PROMPT);
      expect((await t.lineAtEnter(1, 50, 300)).screen).toBeNull();
    }
    shell.release();
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe(screen);
  });
});

describe('ptyGate before a shell whose screen lags', () => {
  // a guardrail for rm -rf on a data folder (`rm -rf` alone passes, as the shell guard has it)
  const judge = (line: string): Verdict => (/\brm\s+-rf\s+\/srv/.test(line) ? { action: 'deny', ruleId: 'rm-recursive-broad' } : { action: 'allow' });

  function gated() {
    const shell = slowShell([`ls ${DIR}`]);
    const t = new CommandLineTracker(80, 24);
    shell.connect((s) => t.output(s));
    t.output(PROMPT);
    const said: string[] = [];
    const h = gateHarness(judge, { onWrite: (chunk) => shell.read(chunk) });
    const gate = ptyGate(h.ctx, h.target, { inject: (s: string) => said.push(s) } as unknown as OutputPipe, t);
    return { shell, gate, said, dispose: () => t.dispose() };
  }

  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it.each([
    ['refuses it as unreadable when the screen has not shown the edit by the bound (3 s)', null, /could not read this command line/],
    ['judges the line the screen shows once the answer comes within the bound', 300, /guardrail "rm-recursive-broad"/],
  ])('a recalled line edited into rm -rf, its answer late: %s; none of it runs', async (_name, lateMs, refusal) => {
    const g = gated();
    try {
      g.gate.push('\x1b[A');
      g.shell.lag(true);
      for (const k of EDIT) g.gate.push(k);
      g.shell.release(6);
      g.gate.push('\r');
      if (lateMs !== null) setTimeout(() => g.shell.release(), lateMs);
      await until('the refusal', () => g.said.length > 0);
      expect(g.said.join('')).toMatch(refusal);
      g.shell.release();
      await until('the dropped line', () => g.shell.ran.length > 0);
      expect(g.shell.ran).toEqual(['#']);
    } finally {
      g.dispose();
    }
  });
});
