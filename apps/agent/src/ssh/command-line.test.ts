import { describe, expect, it } from 'vitest';
import { CommandLineTracker } from './command-line';

/** A shell that echoes what is typed, like readline does in a terminal. */
function session(prompt = 'root@web-1:~# ') {
  const t = new CommandLineTracker(80, 24);
  t.output(`Last login: yesterday\r\n${prompt}`);
  return {
    t,
    type(keys: string, echo = keys) {
      t.input(keys);
      t.output(echo);
    },
  };
}

describe('CommandLineTracker', () => {
  it('reads a plainly typed line from both the keystrokes and the screen, without the prompt', async () => {
    const { t, type } = session();
    type('ls -la /var/log');
    expect(await t.lineAtEnter(1, 50)).toEqual({ screen: 'ls -la /var/log', typed: 'ls -la /var/log', fullScreen: false });
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
    expect(await t.lineAtEnter(1, 300)).toEqual({ screen: 'cat /etc/passwd', typed: null, fullScreen: false });
  });

  it('does not read a stale screen: after history recall the line counts only once the shell has answered the last keystroke', async () => {
    const { t } = session();
    t.input('\x1b[A'); // the redraw of the recalled line has not come back yet
    t.input('\x01\x1b[3~\x1b[3~rm -rf');
    const t0 = Date.now();
    const line = await t.lineAtEnter(1, 50, 300);
    expect(line).toEqual({ screen: null, typed: null, fullScreen: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    // once the shell has redrawn the edited line, the screen tells it
    t.output('rm -rf /srv/app');
    expect((await t.lineAtEnter(1, 50, 300)).screen).toBe('rm -rf /srv/app');
  });

  it('joins a command wrapped over several terminal rows', async () => {
    const { t, type } = session('$ ');
    const long = `echo ${'x'.repeat(150)}`;
    type(long);
    expect((await t.lineAtEnter(1, 50)).screen).toBe(long);
  });

  it('does not judge what is typed in full-screen programs', async () => {
    const { t, type } = session();
    t.output('\x1b[?1049h'); // vim enters the alternate screen
    type('dd');
    expect(await t.lineAtEnter(1, 50)).toMatchObject({ screen: null, fullScreen: true });
    t.output('\x1b[?1049l');
    t.reset();
    expect((await t.lineAtEnter(1, 50)).fullScreen).toBe(false);
  });
});
