// One SSH client connection may hold at most MAX_CHANNELS channels open at once (as OpenSSH's MaxSessions): each
// channel buffers up to its window on both sides, so their number bounds what one session can make the agent hold.
// The channel past the limit is refused and recorded; once one closes, a new one opens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { MAX_CHANNELS } from '../src/ssh/connection-limits';

let stack: TestStack;
let box: Awaited<ReturnType<TestStack['connect']>>;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hoop-ssh-channels-'));
  stack = await startTestStack();
  await stack.addConnection('box', 'command', { shell: ['bash', '--noprofile', '--norc'], exec: ['bash', '--noprofile', '--norc', '-c', '{}'], cwd: dir });
  await stack.startAgent();
  box = await stack.connect('box');
}, 120_000);

afterAll(async () => {
  await box?.stop();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** a shell without a terminal on `conn`, once it answered a first command */
async function openShell(conn: Client, n: number): Promise<ClientChannel> {
  const ch = await new Promise<ClientChannel>((resolve, reject) => conn.shell(false, (err, stream) => (err ? reject(err) : resolve(stream))));
  let out = '';
  ch.on('data', (d: Buffer) => (out += d.toString()));
  ch.write(`echo ready-$((${n}+1000))\n`);
  await waitFor(`shell ${n} to answer`, async () => (out.includes(`ready-${n + 1000}`) ? true : null));
  return ch;
}

it(`refuses a channel past ${MAX_CHANNELS} on one connection, on record, and opens one again once another closed`, async () => {
  const conn = new Client();
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', () => resolve());
    conn.once('error', reject);
    conn.connect({ host: '127.0.0.1', port: box.port, username: 'anyone', readyTimeout: 30_000 });
  });
  try {
    const shells: ClientChannel[] = [];
    for (let i = 0; i < MAX_CHANNELS; i++) shells.push(await openShell(conn, i));
    // the next one, of any kind, is refused
    await expect(openShell(conn, MAX_CHANNELS)).rejects.toThrow(/open failure/i);
    await expect(new Promise((resolve, reject) => conn.exec('echo hi', (err, s) => (err ? reject(err) : resolve(s))))).rejects.toThrow(/open failure/i);
    // the shells already open still work
    const last = shells.at(-1)!;
    let out = '';
    last.on('data', (d: Buffer) => (out += d.toString()));
    last.write('echo still-$((20+22))\n');
    await waitFor('the open shell to answer', async () => (out.includes('still-42') ? true : null));
    // one closes: a new one opens
    const first = shells.shift()!;
    const closed = new Promise((resolve) => first.once('close', resolve));
    first.end('exit\n');
    await closed;
    shells.push(await openShell(conn, 99));
    for (const s of shells) s.end('exit\n');
  } finally {
    conn.end();
  }
  const refused = await waitFor('the refusals on record', async () => {
    const rows = await stack.db.auditEvent.findMany({ where: { type: 'channel.refused', session: { connection: { name: 'box' } } }, select: { data: true } });
    return rows.length >= 2 ? rows : null;
  });
  expect(refused.map((r) => r.data)).toEqual(
    Array(2).fill({ kind: 'session', reason: `this connection already has ${MAX_CHANNELS} channels open, as many as hoop allows` }),
  );
});
