import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, startSshd, type TestSshd, type TestStack, startTestStack, waitFor, sshToHoop } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

// needs an OpenSSH server and the ssh client: npm test installs them (openssh-server, openssh-client); skipped only where it could not and said so
const noSsh = skipWithout('sshd', 'ssh');

let stack: TestStack;
let sshd: TestSshd;
let conn: Awaited<ReturnType<TestStack['connect']>>;
let local: string;

const sftpArgs = (port: number, batch: string) => ['-b', batch, ...sshToHoop(port, '-P')];

beforeAll(async () => {
  if (noSsh) return;
  sshd = await startSshd();
  local = mkdtempSync(path.join(tmpdir(), 'hoop-sftp-local-'));
  stack = await startTestStack();
  await stack.addConnection('files', 'ssh', sshd.target, sshd.privateKey);
  await stack.startAgent();
  conn = await stack.connect('files');
}, 120_000);

// a failure says what the stack's processes said (their whole logs are in stack.logDir)
afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail' || !stack) return;
  const tail = (what: string, text: string | undefined) => `── ${what} ──\n${(text ?? '').slice(-6000)}`;
  console.error(
    [`logs: ${stack.logDir}`, tail('hoop connect', conn?.output()), tail('gateway', stack.gateway.output()), tail('agent', stack.agent?.output())].join('\n'),
  );
});

afterAll(async () => {
  await conn?.stop();
  await stack?.stop();
  await sshd?.stop();
  if (local) rmSync(local, { recursive: true, force: true });
});

type Event = { type: string; data: Record<string, unknown> };

/** the events of the session that recorded `type` with `data` once it is closed */
async function sessionOf(type: string, data: { path: string[]; equals: string }): Promise<Event[]> {
  return waitFor(
    `the session with ${type} ${data.equals}`,
    async () => {
      const hit = await stack.db.auditEvent.findFirst({ where: { type, data } });
      if (!hit) return null;
      const events = await stack.db.auditEvent.findMany({ where: { sessionId: hit.sessionId }, orderBy: { seq: 'asc' } });
      return events.at(-1)?.type === 'session.close' ? events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown> })) : null;
    },
    { timeoutMs: 30_000 },
  );
}

// ── raw SFTP packets, for what OpenSSH's client never sends ───────────────────────────────────────────────────────
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const str = (v: string) => Buffer.concat([u32(Buffer.byteLength(v)), Buffer.from(v)]);
const pkt = (type: number, ...fields: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...fields]);
  return Buffer.concat([u32(body.length), body]);
};

describe.skipIf(noSsh)('SFTP through hoop', () => {
  it("records every change OpenSSH's sftp makes, with its paths", async () => {
    const work = path.join(sshd.dir, 'sftp-work');
    mkdirSync(work);
    writeFileSync(path.join(local, 'upload.txt'), 'uploaded through hoop\n');
    const batch = path.join(local, 'batch');
    writeFileSync(
      batch,
      [
        `cd ${work}`,
        `put ${local}/upload.txt up.txt`,
        `put -p -f ${local}/upload.txt kept.txt`,
        'rename up.txt moved.txt',
        'rename -l moved.txt legacy.txt',
        'ln legacy.txt hard.txt',
        'ln -s legacy.txt soft.txt',
        'chmod 600 legacy.txt',
        'chmod -h 640 kept.txt',
        'cp legacy.txt copy.txt',
        'mkdir newdir',
        'rmdir newdir',
        'rm hard.txt',
        'df .',
        'ls -l',
        `get legacy.txt ${local}/back.txt`,
        '',
      ].join('\n'),
    );
    const r = await runProcess('sftp', sftpArgs(conn.port, batch));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the target did it all
    expect(readFileSync(path.join(work, 'legacy.txt'), 'utf8')).toBe('uploaded through hoop\n');
    expect(readFileSync(path.join(work, 'copy.txt'), 'utf8')).toBe('uploaded through hoop\n');
    expect(readFileSync(path.join(local, 'back.txt'), 'utf8')).toBe('uploaded through hoop\n');
    expect(readlinkSync(path.join(work, 'soft.txt'))).toBe('legacy.txt');
    expect(statSync(path.join(work, 'legacy.txt')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(work, 'kept.txt')).mode & 0o777).toBe(0o640);
    expect(
      existsSync(path.join(work, 'up.txt')) ||
        existsSync(path.join(work, 'moved.txt')) ||
        existsSync(path.join(work, 'hard.txt')) ||
        existsSync(path.join(work, 'newdir')),
    ).toBe(false);
    expect(lstatSync(path.join(work, 'soft.txt')).isSymbolicLink()).toBe(true);

    const at = (name: string) => path.join(work, name);
    const events = await sessionOf('file', { path: ['path'], equals: at('up.txt') });
    const files = events.filter((e) => e.type === 'file').map((e) => e.data);
    // in the order they were made; a put is one record, not one per WRITE
    expect(files).toEqual([
      { op: 'write', path: at('up.txt') },
      { op: 'write', path: at('kept.txt') },
      // put -p sets the mode and times on the open handle (FSETSTAT)
      { op: 'setstat', path: at('kept.txt'), attrs: { mode: expect.stringMatching(/^0[0-7]{3}$/), atime: expect.any(Number), mtime: expect.any(Number) } },
      // posix-rename@openssh.com, then the plain SSH_FXP_RENAME of `rename -l`
      { op: 'rename', path: at('up.txt'), to: at('moved.txt') },
      { op: 'rename', path: at('moved.txt'), to: at('legacy.txt') },
      { op: 'hardlink', path: at('legacy.txt'), to: at('hard.txt') },
      { op: 'symlink', path: 'legacy.txt', to: at('soft.txt') },
      { op: 'setstat', path: at('legacy.txt'), attrs: { mode: '0600' } },
      // chmod -h: lsetstat@openssh.com
      { op: 'setstat', path: at('kept.txt'), attrs: { mode: '0640' } },
      // cp: copy-data from a handle open to read to one open to write
      { op: 'read', path: at('legacy.txt') },
      { op: 'write', path: at('copy.txt') },
      { op: 'copy', path: at('legacy.txt'), to: at('copy.txt') },
      { op: 'mkdir', path: at('newdir'), attrs: { mode: '0777' } },
      { op: 'rmdir', path: at('newdir') },
      { op: 'remove', path: at('hard.txt') },
      // df (statvfs) is not a change; ls lists
      { op: 'list', path: work },
      { op: 'read', path: at('legacy.txt') },
    ]);
    // nothing was refused, and the session ended as the client asked
    expect(events.filter((e) => e.type === 'sftp.refused')).toEqual([]);
    expect(events.some((e) => e.type === 'sftp.start')).toBe(true);
  });

  it('answers an unknown extended request as unsupported without passing it on, and ends the channel on a packet it cannot read', async () => {
    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({ host: '127.0.0.1', port: conn.port, username: 'anyone', readyTimeout: 20_000 });
    });
    try {
      const ch = await new Promise<ClientChannel>((resolve, reject) => client.subsys('sftp', (err, c) => (err ? reject(err) : resolve(c))));
      let out = Buffer.alloc(0);
      let stderr = '';
      ch.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = new Promise<number | null>((resolve) => ch.once('exit', (code: number | null) => resolve(code)));
      /** the next whole packet from the server */
      const next = () =>
        waitFor(
          'an SFTP reply',
          async () => {
            if (out.length < 4 || out.length < 4 + out.readUInt32BE(0)) return null;
            const p = out.subarray(4, 4 + out.readUInt32BE(0));
            out = out.subarray(4 + p.length);
            return p;
          },
          { timeoutMs: 20_000 },
        );

      ch.write(pkt(1, u32(3)));
      const version = await next();
      expect(version[0]).toBe(2);
      expect(version.readUInt32BE(1)).toBe(3);

      const marker = path.join(sshd.dir, 'never-made');
      // (a name like OpenSSH's `x@openssh.com` reads as an e-mail address and is recorded masked)
      ch.write(pkt(200, u32(7), str('vendor-mkdir-recursive'), str(marker)));
      const status = await next();
      expect({ type: status[0], id: status.readUInt32BE(1), code: status.readUInt32BE(5) }).toEqual({ type: 101, id: 7, code: 8 });
      // the session goes on: a known request still reaches the target
      ch.write(pkt(17, u32(8), str(sshd.dir)));
      const attrs = await next();
      expect({ type: attrs[0], id: attrs.readUInt32BE(1) }).toEqual({ type: 105, id: 8 });

      // a REMOVE whose path runs past its packet: never forwarded, the channel ends on record
      const victim = path.join(sshd.dir, 'keep-me.txt');
      writeFileSync(victim, 'still here');
      ch.write(pkt(13, u32(9), u32(500), Buffer.from(victim)));
      expect(await exit).toBe(126);
      expect(stderr).toMatch(/^hoop: SFTP session ended: REMOVE request \(id 9\) is cut short\n$/);
      expect(existsSync(victim)).toBe(true);
      expect(existsSync(marker)).toBe(false);
      client.end();

      const events = await sessionOf('sftp.refused', { path: ['request'], equals: 'vendor-mkdir-recursive' });
      expect(events.filter((e) => e.type === 'sftp.refused').map((e) => e.data)).toEqual([
        { request: 'vendor-mkdir-recursive', id: 7, reason: expect.stringMatching(/does not know/) },
        { reason: 'REMOVE request (id 9) is cut short', closed: true },
      ]);
      expect(events.filter((e) => e.type === 'file')).toEqual([]);
    } finally {
      client.end();
    }
  });
});
