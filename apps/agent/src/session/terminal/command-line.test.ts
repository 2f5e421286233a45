import { describe, expect, it } from 'vitest';
import { CommandLineTracker } from './command-line';

/** A shell that echoes what is typed, like readline does in a terminal. */
function session(prompt = 'root@web-1:~# ', opts: { answerMs?: number } = {}) {
  const t = new CommandLineTracker(80, 24, opts);
  t.output(`Last login: yesterday\r\n${prompt}`);
  return {
    t,
    type(keys: string, echo = keys) {
      t.input(keys);
      t.output(echo);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CommandLineTracker', () => {
  it('reads a plainly typed line from the keystrokes and the screen, without the prompt', async () => {
    const { t, type } = session();
    type('ls -la /var/log');
    expect(await t.lineAtEnter(1, 50)).toMatchObject({
      screen: 'ls -la /var/log',
      typed: 'ls -la /var/log',
      literal: 'ls -la /var/log',
      fullScreen: false,
      cursorOnLine: true,
      disturbed: false,
    });
  });

  it('follows backspace, Ctrl-U, Ctrl-W and cursor movement in the keystrokes', async () => {
    const { t } = session();
    t.input('rm -rf /tmpx\x7f');
    t.input('\x1b[D\x1b[D\x1b[D\x1b[D');
    t.input('\x1b[3~');
    t.input('\x05 && echo ok\x17\x17done');
    expect((await t.lineAtEnter(1, 50)).typed).toBe('rm -rf tmp && done');
    t.reset();
    t.input('echo hi\x15whoami');
    expect((await t.lineAtEnter(1, 50)).typed).toBe('whoami');
  });

  it('says the keystrokes are unknown after history recall or completion, and the screen tells the line', async () => {
    const { t, type } = session();
    // up arrow: the shell redraws the line with a command from its history
    type('\x1b[A', 'rm -rf /srv/app');
    const line = await t.lineAtEnter(1, 300);
    expect(line.typed).toBeNull();
    expect(line.screen).toBe('rm -rf /srv/app');
    t.reset();
    t.output('\r\nroot@web-1:~# ');
    type('cat /etc/pas\t', 'cat /etc/passwd ');
    expect(await t.lineAtEnter(1, 300)).toMatchObject({ screen: 'cat /etc/passwd', typed: null, keys: '', fullScreen: false });
  });

  it('does not read a stale screen: after history recall the line counts only once the shell has answered the last keystroke', async () => {
    const { t } = session();
    t.input('\x1b[A'); // the redraw of the recalled line has not come back yet
    t.input('\x01\x1b[3~\x1b[3~rm -rf');
    const t0 = Date.now();
    const line = await t.lineAtEnter(1, 50, 300);
    expect(line).toMatchObject({ screen: null, typed: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    // once the shell has redrawn the edited line (the cursor after what was typed), the screen tells it
    t.output('rm -rf /srv/app\x1b[9D');
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe('rm -rf /srv/app');
  });

  it('joins a command wrapped over several terminal rows', async () => {
    const { t, type } = session('$ ');
    const long = `echo ${'x'.repeat(150)}`;
    type(long);
    expect((await t.lineAtEnter(1, 50)).screen).toBe(long);
  });

  it.each([
    ['xterm alternate screen', '\x1b[?1049h'],
    ['old alternate screen', '\x1b[?47h'],
    ['alternate screen without cursor save', '\x1b[?1047h'],
  ])('keeps every reading of a line typed after the session printed the %s', async (_name, seq) => {
    const { t, type } = session('$ ');
    t.output(seq);
    t.output('$ ');
    type('rm -rf /srv/app');
    expect(await t.lineAtEnter(1, 50)).toMatchObject({ typed: 'rm -rf /srv/app', screen: 'rm -rf /srv/app', fullScreen: true, cursorOnLine: true });
  });

  it("reads a full-screen program's command line off the cursor row", async () => {
    const { t } = session('$ ');
    t.output('\x1b[?1049h\x1b[H\x1b[2Jrm -rf /srv/app in the file\r\nmore text');
    t.input('\x1b');
    t.output('\x1b[24;1H');
    t.input(':wq');
    t.output(':wq');
    const line = await t.lineAtEnter(1, 50, 200);
    expect(line).toMatchObject({ typed: null, keys: ':wq', row: ':wq', fullScreen: true, cursorOnLine: false });
  });

  it('sees a terminal reset or a clear screen: the screen no longer holds the line, only the keystrokes do', async () => {
    const { t, type } = session('$ ');
    type('ls /srv');
    t.output('\x1bc');
    expect(await t.lineAtEnter(1, 50)).toMatchObject({ typed: 'ls /srv', screen: null });
    t.reset();
    // with history recall and then a reset, nothing shows the line: no reading
    t.output('$ ');
    t.input('\x1b[A');
    t.output('\x1bc');
    expect(await t.lineAtEnter(1, 50, 200)).toMatchObject({ typed: null, screen: null });
    t.reset();
    // Ctrl-L redraws the line elsewhere: the keystrokes still tell it, the screen does not
    t.output('$ ');
    type('ls', 'ls');
    type('\x0c', '\x1b[H\x1b[2J$ ls');
    type(' -l');
    expect(await t.lineAtEnter(1, 50)).toMatchObject({ typed: 'ls -l', screen: null });
  });

  it('reads the line from the keys typed after a program started or ended; the keys before may have gone to it', async () => {
    const { t, type } = session('$ ');
    t.output('\x1b[?1049h(END)');
    // `q` quits less; the next line is typed at the shell's prompt
    type('q', '');
    t.output('\x1b[?1049l$ ');
    await t.lineAtEnter(1, 50, 200);
    type('ls -l');
    expect(await t.lineAtEnter(1, 50, 200)).toMatchObject({ typed: 'ls -l', screen: 'ls -l', literal: 'qls -l', before: 'qls -l', fullScreen: false });
    t.reset();
    // typed ahead while vim exits: vim may have eaten some of it, the shell echoes what it got
    t.output('\x1b[?1049h');
    type('ls', '');
    t.output('\x1b[?1049l$ s');
    expect(await t.lineAtEnter(1, 50, 200)).toMatchObject({ typed: null, screen: null, literal: 'ls', fullScreen: false });
    t.reset();
    type('ls');
    expect((await t.lineAtEnter(1, 50)).typed).toBe('ls');
  });

  it('refuses to take an empty screen for a line only the screen could tell (echo off, `stty -echo`)', async () => {
    const { t } = session('$ ');
    t.input('\x1b[A');
    t.output('\x07');
    expect(await t.lineAtEnter(1, 50, 200)).toMatchObject({ typed: null, screen: null });
  });

  it('keeps what the screen showed of a recalled line before something painted over it', async () => {
    const { t } = session('$ ');
    t.input('\x1b[A');
    t.output('rm -rf /srv/app');
    t.output('\r\x1b[K$ ls');
    const line = await t.lineAtEnter(1, 50, 200);
    expect(line.screen).toBe('ls');
    expect(line.seen).toContain('rm -rf /srv/app');
  });

  it('notes output that answers no keystroke', async () => {
    const { t, type } = session('$ ', { answerMs: 30 });
    type('ls');
    expect((await t.lineAtEnter(1, 50)).disturbed).toBe(false);
    await sleep(60);
    t.output('\r\x1b[Kfake$ ls');
    expect((await t.lineAtEnter(1, 50)).disturbed).toBe(true);
    t.reset();
    // output before the first keystroke of a line is the prompt
    await sleep(60);
    t.output('$ ');
    type('ls');
    expect((await t.lineAtEnter(1, 50)).disturbed).toBe(false);
  });

  it('waits for a program to answer an interrupt: a new prompt, a switched screen, or at most its bound', async () => {
    const { t, type } = session('$ ');
    type('sleep 10');
    t.input('\x03');
    setTimeout(() => t.output('^C'), 20);
    setTimeout(() => t.output('\r\n$ '), 60);
    let t0 = Date.now();
    await t.interruptAnswered(40, 2000);
    // not at the echo of ^C (20 ms), but once the prompt (60 ms) was followed by quiet
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    expect(Date.now() - t0).toBeLessThan(1000);
    // the echo of ^C alone, on the same row, is not the answer: the bound is
    t.input('\x03');
    setTimeout(() => t.output('^C'), 20);
    t0 = Date.now();
    await t.interruptAnswered(40, 400);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
  });

  it('settles once what went to the terminal was answered and it went quiet', async () => {
    const { t } = session('$ ');
    t.input('ls');
    setTimeout(() => t.output('l'), 30);
    const echoed = new Promise<void>((r) =>
      setTimeout(() => {
        t.output('s');
        r();
      }, 60),
    );
    let t0 = Date.now();
    await t.settled(40, 2000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    expect(Date.now() - t0).toBeLessThan(1000);
    // keys hoop sent itself, never answered: the bound (once the echo above is in, a late timer on a loaded machine
    // would otherwise answer them)
    await echoed;
    t.sent();
    t0 = Date.now();
    await t.settled(40, 300);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('takes a paste into the keystroke readings', async () => {
    const { t, type } = session('$ ');
    type('echo ');
    t.paste('one\ntwo');
    expect((await t.lineAtEnter(1, 50)).typed).toBe('echo one\ntwo');
  });
});
