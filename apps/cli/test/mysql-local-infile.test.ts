/**
 * LOAD DATA LOCAL INFILE through hoop connect → gateway → agent → MariaDB, with the mariadb client (--local-infile=1)
 * and mysql2 (infileStreamFactory): refused by default and recorded; relayed when a policy allows it, the file's size
 * and sha256 in the trail; and a target that asks for a file the statement did not name gets nothing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack, waitFor } from '@hoop/devstack';

const HOST = '127.0.0.1';
const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', HOST, '-P', String(PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });

let stack: TestStack;
let guarded: Awaited<ReturnType<TestStack['connect']>>;
let loader: Awaited<ReturnType<TestStack['connect']>>;
let evil: Awaited<ReturnType<TestStack['connect']>>;
let evilTarget: EvilTarget;
let dir: string;
const db = `hoop_li_${randomBytes(4).toString('hex')}`;

/** A MySQL server that answers every query by asking the client for /etc/passwd, and keeps what it is sent back. */
interface EvilTarget {
  port: number;
  /** the payloads sent after each LOCAL INFILE request, up to the empty one */
  received: Buffer[][];
  close(): void;
}

function frame(seq: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq;
  return Buffer.concat([h, payload]);
}

async function startEvilTarget(): Promise<EvilTarget> {
  const received: Buffer[][] = [];
  // PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, LONG_PASSWORD, LOCAL_FILES, CONNECT_WITH_DB, TRANSACTIONS, MULTI_RESULTS, DEPRECATE_EOF
  const caps = 0x200 | 0x8000 | 0x80000 | 0x1 | 0x80 | 0x8 | 0x2000 | 0x20000 | 0x1000000;
  const ok = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
  const server = net.createServer((sock) => {
    const caps2 = Buffer.alloc(4);
    caps2.writeUInt32LE(caps >>> 0);
    const greeting = Buffer.concat([
      Buffer.from([0x0a]),
      Buffer.from('5.7.99-evil\0'),
      Buffer.from([7, 0, 0, 0]),
      Buffer.alloc(8, 0x41),
      Buffer.from([0x00]),
      caps2.subarray(0, 2),
      Buffer.from([45, 0x02, 0x00]),
      caps2.subarray(2, 4),
      Buffer.from([21]),
      Buffer.alloc(10),
      Buffer.alloc(12, 0x42),
      Buffer.from([0x00]),
      Buffer.from('mysql_native_password\0'),
    ]);
    sock.write(frame(0, greeting));
    let buf = Buffer.alloc(0);
    let loggedIn = false;
    let upload: Buffer[] | null = null;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUIntLE(0, 3)) {
        const len = buf.readUIntLE(0, 3);
        const seq = buf[3]!;
        const payload = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        if (!loggedIn) {
          loggedIn = true;
          sock.write(frame(seq + 1, ok));
        } else if (upload) {
          if (len > 0) upload.push(Buffer.from(payload));
          else {
            received.push(upload);
            upload = null;
            sock.write(frame(seq + 1, ok));
          }
        } else if (payload[0] === 0x03) {
          upload = [];
          sock.write(frame(1, Buffer.concat([Buffer.from([0xfb]), Buffer.from('/etc/passwd')])));
        } else if (payload[0] === 0x01) sock.end();
        else sock.write(frame(1, ok));
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return { port: (server.address() as net.AddressInfo).port, received, close: () => server.close() };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hoop-infile-'));
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.items (id int, name varchar(40))`);
  evilTarget = await startEvilTarget();
  stack = await startTestStack();
  const target = { host: HOST, port: PORT, user: 'root', database: db, sslMode: 'disabled' };
  await stack.addConnection('orders-mysql', 'mysql', target);
  await stack.addConnection('loader-mysql', 'mysql', target);
  await stack.addConnection('evil-mysql', 'mysql', { ...target, port: evilTarget.port });
  const file = `${stack.configFile}.loader-policy.json`;
  const policy = {
    name: 'loader',
    connections: { names: ['loader-mysql', 'evil-mysql'] },
    guardrails: { builtins: { 'load-data-local': { enabled: false } } },
  };
  await writeFile(file, JSON.stringify(policy));
  const applied = await stack.cli(['policy', 'apply', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  await stack.startAgent();
  [guarded, loader, evil] = await Promise.all([stack.connect('orders-mysql'), stack.connect('loader-mysql'), stack.connect('evil-mysql')]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  evilTarget?.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const mariadb = (port: number, sql: string) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => {
    const args = ['--local-infile=1', '-h', HOST, '-P', String(port), '-u', 'me', '-N', '-B', db, '-e', sql];
    execFile('mariadb', args, { encoding: 'utf8' }, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
  });

const count = () => Number(asRoot(`SELECT COUNT(*) FROM ${db}.items`).trim());

async function csv(name: string, rows: number): Promise<{ file: string; bytes: number; sha256: string }> {
  const text = Array.from({ length: rows }, (_, i) => `${i + 1},item number ${i + 1}`).join('\n');
  const file = path.join(dir, name);
  await writeFile(file, `${text}\n`);
  const body = Buffer.from(`${text}\n`);
  return { file, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

/** the trail's events of `type` whose data mention `like`, once there are `n` of them */
async function events(type: string, like: string, n = 1) {
  return waitFor(`${n} ${type} events about ${like}`, async () => {
    const all = await stack.db.auditEvent.findMany({ where: { type }, orderBy: { id: 'asc' } });
    const mine = all.filter((e) => JSON.stringify(e.data).includes(like)).map((e) => e.data as Record<string, unknown>);
    return mine.length >= n ? mine : null;
  });
}

describe('LOAD DATA LOCAL INFILE', () => {
  it('is refused by default in the guard’s words and recorded; neither client’s file is read', async () => {
    const { file } = await csv('refused.csv', 3);
    const sql = `LOAD DATA LOCAL INFILE '${file}' INTO TABLE items FIELDS TERMINATED BY ','`;
    const r = await mariadb(guarded.port, sql);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ERROR 1227 \(42000\) at line 1: blocked by hoop guardrail "load-data-local": LOAD DATA LOCAL INFILE lets the server read a file/);
    const opened: string[] = [];
    const c = await mysql.createConnection({ host: HOST, port: guarded.port, user: 'me', password: 'x', database: db });
    try {
      const q = c.query({
        sql,
        infileStreamFactory: (p: string) => {
          opened.push(p);
          return createReadStream(file);
        },
      } as never);
      await expect(q).rejects.toMatchObject({ errno: 1227, message: expect.stringContaining('"load-data-local"') });
    } finally {
      await c.end();
    }
    expect(opened).toEqual([]);
    expect(count()).toBe(0);
    const denied = await events('statement', 'refused.csv', 2);
    expect(denied.length).toBe(2);
    for (const d of denied) expect(d).toMatchObject({ decision: 'deny', ruleId: 'load-data-local', executed: false });
  });

  it('allowed by a policy, the mariadb client’s file reaches the target through the relay, its size and sha256 recorded', async () => {
    const { file, bytes, sha256 } = await csv('allowed.csv', 5);
    const r = await mariadb(loader.port, `LOAD DATA LOCAL INFILE '${file}' INTO TABLE items FIELDS TERMINATED BY ','; SELECT COUNT(*) FROM items`);
    expect(r).toEqual({ code: 0, out: '5\n', err: '' });
    const [rec] = await events('mysql.local_infile', 'allowed.csv');
    expect(rec).toMatchObject({ bytes, sha256 });
    asRoot(`DELETE FROM ${db}.items`);
  });

  it('mysql2 streams a file of many packets through the relay; the session goes on after it', async () => {
    const { file, bytes, sha256 } = await csv('many.csv', 20_000);
    expect(bytes).toBeGreaterThan(4 * 64 * 1024);
    const c = await mysql.createConnection({ host: HOST, port: loader.port, user: 'me', password: 'x', database: db });
    try {
      const [ok] = (await c.query({
        sql: `LOAD DATA LOCAL INFILE '${file}' INTO TABLE items FIELDS TERMINATED BY ','`,
        infileStreamFactory: () => createReadStream(file),
      } as never)) as [{ affectedRows: number }, unknown];
      expect(ok.affectedRows).toBe(20_000);
      const [[row]] = (await c.query('SELECT COUNT(*) AS n, MAX(name) AS last FROM items')) as [{ n: number; last: string }[], unknown];
      expect(row).toEqual({ n: 20_000, last: 'item number 9999' });
    } finally {
      await c.end();
    }
    const [rec] = await events('mysql.local_infile', 'many.csv');
    expect(rec).toMatchObject({ bytes, sha256 });
    expect(rec!.packets as number).toBeGreaterThan(4);
    asRoot(`DELETE FROM ${db}.items`);
  });

  it('a target that asks for a file the statement did not name gets none, and the client an ERR; the session goes on', async () => {
    const opened: string[] = [];
    const factory = (p: string) => {
      opened.push(p);
      return createReadStream('/etc/passwd');
    };
    const c = await mysql.createConnection({ host: HOST, port: evil.port, user: 'me', password: 'x' });
    try {
      // a plain query answered with a request for /etc/passwd
      await expect(c.query({ sql: 'SELECT 1', infileStreamFactory: factory } as never)).rejects.toMatchObject({
        errno: 1148,
        message: "the server asked for the local file '/etc/passwd', which the statement does not name: refused, the file was not sent",
      });
      // a LOAD DATA LOCAL the policy allows, answered with a request for another file than it names
      const { file } = await csv('named.csv', 2);
      const sql = `LOAD DATA LOCAL INFILE '${file}' INTO TABLE items`;
      await expect(c.query({ sql, infileStreamFactory: factory } as never)).rejects.toMatchObject({ errno: 1148 });
      await c.ping();
    } finally {
      await c.end();
    }
    expect(opened).toEqual([]);
    // the target heard an empty file each time: nothing of the client's
    expect(evilTarget.received).toEqual([[], []]);
    const refused = await events('mysql.local_infile', '/etc/passwd', 2);
    expect(refused.length).toBe(2);
    expect(refused[0]).toMatchObject({ refused: true });
  });
});
