import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { events, h, setUp, tearDown, until } from './upgrade-harness';

/** An exec with a terminal (`-it`): each line typed judged at its Enter, through the agent's channel tap. */

beforeAll(setUp);
afterAll(tearDown);

async function terminal() {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}/api/v1/namespaces/shop/pods/box/exec?command=sh&stdin=true&stdout=true&tty=true`, ['v5.channel.k8s.io']);
  let out = '';
  ws.on('message', (d: Buffer) => {
    if (d[0] === 1) out += d.subarray(1).toString();
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  const rec = await until(() => h.kube.execs.find((e) => e.tty && e.command[0] === 'sh' && !e.stdin && e.exitCode === null));
  return {
    ws,
    rec,
    closed,
    out: () => out,
    type: (keys: string) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(keys)])),
  };
}

describe('the lines typed at an exec terminal', () => {
  it('go on once judged: a refused line is cleared before its Enter, the user told why, keys after stdin closed dropped', async () => {
    const t = await terminal();
    t.type('echo one\r');
    await until(() => t.rec.stdin.includes('echo one\r'));
    t.type('rm -r');
    t.type('f /\r');
    await until(() => t.out().includes('blocked by hoop guardrail "rm-recursive-broad"'));
    await until(() => t.rec.stdin.endsWith('#\r'));
    // what reached the shell: the refused line's keys, then end-of-line, kill-line and a comment before its Enter
    expect(t.rec.stdin).toBe('echo one\rrm -rf /\x05\x15#\r');
    t.ws.send(Buffer.from([255, 0]));
    t.type('rm -rf /\r');
    await t.closed;
    expect(t.rec.stdin).toBe('echo one\rrm -rf /\x05\x15#\r');
    const commands = events.filter((e) => e.type === 'command' && !e.data.stdin).map((e) => [e.data.command, e.data.decision, e.data.executed]);
    expect(commands).toEqual(
      expect.arrayContaining([
        ['echo one', 'allow', true],
        ['rm -rf /', 'deny', false],
      ]),
    );
  });
});
