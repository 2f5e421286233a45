import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allStarted, startSshd, type TestSshd, type TestStack, startTestStack, waitFor, SSH_CLIENT_OPTIONS } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

/**
 * The terminal guard cannot be switched off from inside a session: what the session prints (the alternate screen,
 * a terminal reset, a fake prompt) changes how a line is read, never whether it is judged. Every case drives a real
 * `ssh -tt` client through hoop to a real OpenSSH server (or to a shell on the agent host) and checks the folder the
 * keystrokes aim at.
 */

let stack: TestStack;
let sshd: TestSshd;
let web: Awaited<ReturnType<TestStack['connect']>>;
let box: Awaited<ReturnType<TestStack['connect']>>;
const RULE = 'no-rm-in-escape-test';
const BLOCKED = new RegExp(`blocked by hoop guardrail "${RULE}"`, 'g');

// vim and less: npm test installs them (Debian vim, less); skipped only when it could not and said so (skipWithout)

/** a folder the keystrokes of one case try to delete */
function victim(name: string): string {
  const dir = path.join(sshd.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keep.txt'), 'precious');
  return dir;
}

/** An interactive `ssh -tt` session: keystrokes typed one by one, the output kept for checks. */
function terminal(args: string[]) {
  const child = spawn('ssh', ['-tt', ...SSH_CLIENT_OPTIONS, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', () => undefined);
  const closed = new Promise<number | null>((r) => child.on('close', r));
  const count = (re: RegExp) => (out.match(new RegExp(re.source, 'g')) ?? []).length;
  return {
    get output() {
      return out;
    },
    count,
    async type(text: string) {
      for (const ch of text) {
        child.stdin.write(ch);
        await new Promise((r) => setTimeout(r, 4));
      }
    },
    /** bytes sent in one write, as a terminal sends a key's escape sequence or a paste */
    async send(bytes: string) {
      child.stdin.write(bytes);
      await new Promise((r) => setTimeout(r, 4));
    },
    /** waits for `re` in what came after the last `after` (a program's answer to what hoop sent it) */
    after(after: RegExp, re: RegExp) {
      const tail = () => {
        const all = [...out.matchAll(new RegExp(after.source, 'g'))];
        return all.length ? out.slice(all.at(-1)!.index! + all.at(-1)![0].length) : '';
      };
      return waitFor(`terminal output ${re} after ${after}`, async () => (re.test(tail()) ? true : null), { timeoutMs: 20_000 });
    },
    until(re: RegExp, times = 1) {
      return waitFor(`terminal output ${re} x${times}`, async () => (count(re) >= times ? true : null), { timeoutMs: 20_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- terminal so far ---\n${out.slice(-2000)}`);
      });
    },
    async close() {
      if (child.exitCode === null) {
        child.stdin.write('\x03exit\r');
        const r = await Promise.race([closed, new Promise((r) => setTimeout(() => r('open'), 5000))]);
        if (r === 'open') child.kill('SIGKILL');
      }
      return closed;
    },
  };
}

const viaHoop = (port: number) => terminal(['-p', String(port), 'anyone@127.0.0.1']);
const direct = () => terminal(['-p', String(sshd.port), '-i', path.join(sshd.dir, 'user_key'), `${sshd.user}@127.0.0.1`]);

/** waits for a shell to answer, so what follows is typed at its prompt */
async function ready(t: ReturnType<typeof terminal>, tag: string) {
  await t.type(`cd ${sshd.dir}; echo ${tag}-$((20+22))\r`);
  await t.until(new RegExp(`${tag}-42`));
}

/** the `command` audit events of the newest terminal session of a connection, once the session is closed */
async function recordedCommands(connection: string, since: Date) {
  const session = await waitFor(`the recorded session of ${connection}`, async () => {
    const s = await stack.db.session.findFirst({
      where: { connection: { name: connection }, startedAt: { gte: since }, events: { some: { type: 'term.start' } } },
      orderBy: { startedAt: 'desc' },
    });
    if (!s) return null;
    return (await stack.db.auditEvent.count({ where: { sessionId: s.id, type: 'session.close' } })) ? s : null;
  });
  const events = await stack.db.auditEvent.findMany({ where: { sessionId: session.id, type: 'command' }, orderBy: { seq: 'asc' } });
  return events.map((e) => e.data as { command: string; decision: string; ruleId: string | null; executed?: boolean; terminal?: string });
}

beforeAll(async () => {
  await allStarted([startSshd().then((s) => (sshd = s)), startTestStack().then((s) => (stack = s))]);
  await stack.addConnection('esc-web', 'ssh', sshd.target, sshd.privateKey);
  await stack.addConnection('esc-box', 'command', {
    shell: ['bash', '--noprofile', '--norc', '-i'],
    exec: ['bash', '--noprofile', '--norc', '-c', '{}'],
    cwd: sshd.dir,
  });
  await stack.startAgent();
  // every `rm` is refused here, whatever the built-in rules say about the path
  const file = `${stack.configFile}.escape-policy.json`;
  await writeFile(
    file,
    JSON.stringify({
      name: 'escape-test',
      connections: { names: ['esc-web', 'esc-box'] },
      guardrails: { shell: { rules: [{ id: RULE, action: 'deny', message: 'no rm in this test', match: { commands: ['rm'] } }] } },
    }),
  );
  // applied, then checked on one connection after the other (the second is in force by then: one `hoop exec`, not
  // two polling side by side), while both `hoop connect`s start
  const policyInForce = async () => {
    const applied = await stack.cli(['policy', 'apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    for (const name of ['esc-web', 'esc-box'])
      await waitFor(`the policy on ${name}`, async () => {
        const r = await stack.cli(['exec', name, '-i', 'rm -f /nonexistent-escape-test']);
        return r.code === 3 && r.stderr.includes(RULE) ? true : null;
      });
  };
  await allStarted([policyInForce(), stack.connect('esc-web').then((c) => (web = c)), stack.connect('esc-box').then((c) => (box = c))]);
}, 120_000);

afterAll(async () => {
  await web?.stop();
  await box?.stop();
  await stack?.stop();
  await sshd?.stop();
});

describe('alternate screen', () => {
  it("without hoop, printf '\\e[?1049h' then rm -rf deletes the folder: the keystrokes of these tests do what they say", async () => {
    const dir = victim('direct-victim');
    const t = direct();
    await ready(t, 'direct');
    await t.type(`printf '\\e[?1049h'\r`);
    await t.type(`rm -rf ${dir}\r`);
    await waitFor('the folder to be deleted by the target shell', async () => (existsSync(dir) ? null : true));
    await t.close();
  });

  it('through hoop the same keystrokes are judged, refused with a message and recorded (ssh connection)', async () => {
    const since = new Date();
    const dir = victim('alt-victim');
    const t = viaHoop(web.port);
    await ready(t, 'alt');
    await t.type(`printf '\\e[?1049h'\r`);
    await t.until(/\x1b\[\?1049h/);
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED);
    // the other ways in: the old alternate screens, and a terminal reset
    await t.type(`printf '\\e[?1049l\\e[?47h'\r`);
    await t.until(/\x1b\[\?47h/);
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED, 2);
    await t.type(`printf '\\e[?47l\\e[?1047h'\r`);
    await t.until(/\x1b\[\?1047h/);
    await t.type(`rm -rf ${dir}/*\r`);
    await t.until(BLOCKED, 3);
    await t.type(`printf '\\ec'; tput smcup\r`);
    await t.until(/\x1b\[\?1049h/, 2);
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED, 4);
    // harmless lines still run on the alternate screen
    await t.type('echo still-$((6*7))-here\r');
    await t.until(/still-42-here/);
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
    const commands = await recordedCommands('esc-web', since);
    expect(commands).toEqual(expect.arrayContaining([expect.objectContaining({ command: `rm -rf ${dir}`, decision: 'deny', ruleId: RULE, executed: false })]));
    expect(commands.filter((c) => c.decision === 'deny')).toHaveLength(4);
    expect(commands).toEqual(expect.arrayContaining([expect.objectContaining({ command: 'echo still-$((6*7))-here', decision: 'allow' })]));
  });

  it('on a command connection too, where the agent sees that its shell, not a full-screen program, reads the line', async () => {
    const since = new Date();
    const dir = victim('box-victim');
    const t = viaHoop(box.port);
    await ready(t, 'box');
    await t.type(`printf '\\e[?1049h'\r`);
    await t.until(/\x1b\[\?1049h/);
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED);
    await t.type('echo box-$((6*7))-alive\r');
    await t.until(/box-42-alive/);
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
    const commands = await recordedCommands('esc-box', since);
    expect(commands).toEqual(expect.arrayContaining([expect.objectContaining({ command: `rm -rf ${dir}`, decision: 'deny', terminal: 'shell' })]));
  });
});

describe('a terminal asked for with a command', () => {
  it('`ssh -t host bash` gets the same terminal guard as a login shell', async () => {
    const dir = victim('exec-victim');
    const t = terminal(['-p', String(web.port), 'anyone@127.0.0.1', 'bash --norc -i']);
    await ready(t, 'exec');
    await t.type(`printf '\\e[?1049h'\r`);
    await t.until(/\x1b\[\?1049h/);
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED);
    await ready(t, 'after-exec');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });
});

describe('full-screen programs', () => {
  // needs vim: npm test installs it (vim); skipped only where it could not and said so
  it.skipIf(skipWithout('vim'))('vim: `:!rm -rf` is refused, `:! cmd` runs a judged command, and typing text with Enter still works', async () => {
    const since = new Date();
    const dir = victim('vim-victim');
    const file = path.join(sshd.dir, 'notes.txt');
    const t = viaHoop(web.port);
    await ready(t, 'vim');
    await t.type(`vim -u NONE -i NONE -N -n ${file}\r`);
    await t.until(/\x1b\[\?1049h/);
    await t.type("ihello from vim\rit's plain text (with an apostrophe)\rline three\r");
    await t.type('\x1b');
    await t.type(`:!rm -rf ${dir}\r`);
    await t.until(BLOCKED);
    // hoop drops the line with Ctrl-C, and vim throws away keys typed before it has cleared its command line
    await t.after(BLOCKED, /\x1b\[\d+;1H\x1b\[K/);
    await t.type('\x1b');
    await t.type(':! echo vim-shell-$((40+2))\r');
    await t.until(/vim-shell-42/);
    await t.type('\r');
    // what is typed before vim has left the screen may go to vim
    const left = t.count(/\x1b\[\?1049l/);
    await t.type(':wq\r');
    await t.until(/\x1b\[\?1049l/, left + 1);
    await ready(t, 'after-vim');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe("hello from vim\nit's plain text (with an apostrophe)\nline three\n\n");
    const commands = await recordedCommands('esc-web', since);
    expect(commands).toEqual(
      expect.arrayContaining([expect.objectContaining({ command: `:!rm -rf ${dir}`, decision: 'deny', ruleId: RULE, terminal: 'full-screen' })]),
    );
  });

  // needs less: npm test installs it (less); skipped only where it could not and said so
  it.skipIf(skipWithout('less'))('less: `!rm -rf` is refused', async () => {
    const dir = victim('less-victim');
    const t = viaHoop(web.port);
    await ready(t, 'less');
    await t.type(`less ${path.join(dir, 'keep.txt')}\r`);
    await t.until(/precious/);
    await t.type(`!rm -rf ${dir}\r`);
    await t.until(BLOCKED);
    // less redraws once it has the Ctrl-C hoop drops the line with (and throws away keys typed before)
    await t.after(BLOCKED, /\(END\)/);
    const left = t.count(/\x1b\[\?1049l/);
    await t.type('q');
    await t.until(/\x1b\[\?1049l/, left + 1);
    await ready(t, 'after-less');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });
});

describe('other ways around line judging', () => {
  it('a bracketed paste of several lines: each line is judged and a refused one stops the whole paste', async () => {
    const dir = victim('paste-victim');
    const t = viaHoop(web.port);
    await ready(t, 'paste');
    await t.send(`\x1b[200~echo pasted-$((1+1))\rrm -rf ${dir}\recho pasted-$((2+1))\r\x1b[201~`);
    await t.until(BLOCKED);
    await t.type('\r');
    await ready(t, 'after-paste');
    await t.send('\x1b[200~echo fine-$((3+4))\r\x1b[201~');
    await t.type('\r');
    await t.until(/fine-7/);
    await t.close();
    expect(t.output).not.toMatch(/pasted-2|pasted-3/);
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });

  it('keys sent right behind a Ctrl-C wait until the shell has handled it (bash drops what it reads meanwhile)', async () => {
    const dir = victim('interrupt-victim');
    const t = viaHoop(web.port);
    await ready(t, 'interrupt');
    // in one write: bash, busy with the SIGINT, would lose the `x` and run `rm -rf`
    await t.send(`abc\x03xrm -rf ${dir}\r`);
    await t.until(/xrm: command not found/);
    await ready(t, 'after-interrupt');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });

  it('vi editing mode: a refused line with the cursor in its middle is dropped whole, nothing of it runs', async () => {
    const dir = victim('vi-victim');
    const t = viaHoop(web.port);
    await ready(t, 'vi');
    await t.type('set -o vi\r');
    const line = `ls; rm -rf ${dir}`;
    await t.type(line);
    for (let i = 3; i < line.length; i++) await t.send('\x1b[D');
    await t.type('\r');
    await t.until(BLOCKED);
    await ready(t, 'after-vi');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });

  it('a line continued with a backslash, a heredoc fed to a shell and history expansion are judged as the shell will run them', async () => {
    const dir = victim('continued-victim');
    const t = viaHoop(web.port);
    await ready(t, 'cont');
    await t.type('r\\\r');
    await t.type(`m -rf ${dir}\r`);
    await t.until(BLOCKED);
    await ready(t, 'heredoc');
    await t.type('bash <<EOF\r');
    await t.type(`rm -rf ${dir}\r`);
    await t.until(BLOCKED, 2);
    await ready(t, 'history');
    // `history -s` puts the line in the history without running it; `!-1` would run it
    await t.type(`history -s 'rm -rf ${dir}'\r`);
    await t.type('!-1\r');
    await t.until(/blocked by hoop guardrail "history-expansion"/);
    await ready(t, 'after-history');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });

  it('with echo off and no line editor, keys a line editor would move over still count as typed', async () => {
    const dir = victim('noecho-victim');
    const t = viaHoop(web.port);
    await ready(t, 'noecho');
    await t.type('exec bash --noediting --norc\r');
    await ready(t, 'noediting');
    await t.type('stty -echo\r');
    await new Promise((r) => setTimeout(r, 300));
    // a tty in cooked mode passes Home on as three characters: the shell runs `rm -rf … #<junk>`
    await t.type(`rm -rf ${dir} #`);
    await t.send('\x1b[H');
    await t.type('echo \r');
    await t.until(BLOCKED);
    await t.type('stty echo\r');
    await ready(t, 'echo-back');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });

  it('output painted over the command line (a fake prompt) does not hide a line recalled from history', async () => {
    const dir = victim('paint-victim');
    const t = viaHoop(web.port);
    await ready(t, 'paint');
    // a background job keeps painting a harmless line over the row the shell edits
    await t.type(`(for i in $(seq 200); do printf '\\r\\e[Kfake$ ls\\e[K'; sleep 0.02; done; echo; echo painted-$((1+1))) &\r`);
    // the arrow below must recall this entry: the shell has stored it once the echo after it has run
    await t.type(`history -s 'rm -rf ${dir}'; echo stored-$((2+3))\r`);
    await t.until(/stored-5/);
    await t.until(/fake\$ ls/);
    await t.send('\x1b[A');
    await new Promise((r) => setTimeout(r, 300));
    await t.type('\r');
    await t.until(/blocked by hoop guardrail/);
    await t.until(/painted-2/);
    await ready(t, 'after-paint');
    await t.close();
    expect(existsSync(path.join(dir, 'keep.txt'))).toBe(true);
  });
});
