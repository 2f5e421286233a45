import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { queryFlag } from './exec-command';
import { readsShellStdin } from './stdin-gate';
import { events, h, setUp, tearDown } from './upgrade-harness';

/** A shell's script on stdin, without a terminal: each line judged before the shell gets it, whatever the pieces. */

beforeAll(setUp);
afterAll(tearDown);

/** an exec over the channel protocol with stdin sent in the pieces given, then closed; what came back */
async function script(query: string, pieces: string[]) {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/exec?${query}`, ['v5.channel.k8s.io']);
  const out = { stdout: '', stderr: '', status: '' };
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  ws.on('message', (d: Buffer) => {
    const text = d.subarray(1).toString();
    if (d[0] === 1) out.stdout += text;
    else if (d[0] === 2) out.stderr += text;
    else if (d[0] === 3) out.status += text;
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  for (const p of pieces) ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(p)]));
  ws.send(Buffer.from([255, 0]));
  await closed;
  return { ...out, sent: h.kube.execs.at(-1)!.stdin };
}

describe('the lines of a script on stdin', () => {
  it('are judged one by one: a refused line never reaches the shell, the client is told on stderr, the rest runs', async () => {
    const r = await script('command=sh&stdin=true&stdout=true&stderr=true', ['echo one\nrm -r', 'f /\necho two\n']);
    expect(r.sent).toBe('echo one\necho two\n');
    expect(r.stdout).toBe('# one\n# two\n# ');
    expect(r.stderr).toMatch(/^hoop: blocked by hoop guardrail "rm-recursive-broad": /);
    expect(events.filter((e) => e.type === 'command' && e.data.stdin).map((e) => [e.data.command, e.data.decision])).toEqual(
      expect.arrayContaining([
        ['echo one', 'allow'],
        ['rm -rf /', 'deny'],
        ['echo two', 'allow'],
      ]),
    );
  });

  it('keeps a construct across lines whole, and judges it whole', async () => {
    const r = await script('command=%2Fbin%2Fbash&stdin=1&stdout=1&stderr=1', ['if true; then\n', '  rm -rf /\n', 'fi\n', 'echo after\n']);
    expect(r.sent).toBe('echo after\n');
    expect(r.stderr).toContain('blocked by hoop guardrail');
  });

  it('judges what is left when stdin ends without a newline', async () => {
    const r = await script('command=sh&command=-e&stdin=yes&stdout=true', ['echo fine\n', 'rm -rf /']);
    expect(r.sent).toBe('echo fine\n');
  });

  it('knows which programs read a script and which flags the server reads as true', () => {
    for (const argv of [['sh'], ['/bin/bash'], ['bash', '-s'], ['sh', '-e'], ['busybox', 'sh'], ['zsh', '--login']])
      expect(readsShellStdin(argv), argv.join(' ')).toBe(true);
    for (const argv of [['sh', '-c', 'x'], ['bash', '-ec', 'x'], ['cat'], ['busybox', 'cat'], ['python3']])
      expect(readsShellStdin(argv), argv.join(' ')).toBe(false);
    expect([
      queryFlag('tty=true', 'tty'),
      queryFlag('tty=yes', 'tty'),
      queryFlag('tty=', 'tty'),
      queryFlag('tty=FALSE', 'tty'),
      queryFlag('TTY=true', 'tty'),
    ]).toEqual([true, true, true, false, false]);
    expect(queryFlag('tty=0&tty=1', 'tty')).toBe(false);
  });
});
