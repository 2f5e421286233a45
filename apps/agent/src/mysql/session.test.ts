/**
 * A MySQL session through the agent against the real MariaDB: the client logs in with any password, statements are
 * judged before they reach the target, rows come back masked (text and binary), and commands the relay does not carry
 * are refused without ending the session.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { framePacket, parseBinaryRow, parseTextRow, type ServerMessage, TYPE, writeCommand } from '@hoop/mysqlwire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MysqlHooks } from './relay';
import { asRoot, type Got, HOST, mysqlClient, serveTestSessions, testHooks } from './test-mariadb';

let db: string;
let server: net.Server;
let audits: { type: string; data: Record<string, unknown> }[];
const clients: net.Socket[] = [];

function hooks(): MysqlHooks {
  return testHooks((sql) =>
    /\bdrop\b/i.test(sql)
      ? { action: 'deny', ruleId: 'drop-table', message: 'DROP is not allowed' }
      : /\bgrant\b/i.test(sql)
        ? { action: 'review', ruleId: 'grant' }
        : { action: 'allow' },
  );
}

beforeEach(async () => {
  db = `hoop_s_${randomBytes(4).toString('hex')}`;
  asRoot(`CREATE DATABASE ${db}; CREATE TABLE ${db}.customers (id int, name varchar(40), email varchar(80));
    INSERT INTO ${db}.customers VALUES (1, 'Ann', 'ann@example.com'), (2, 'Bob', NULL)`);
  // each test's sessions record into its own list (a session of the test before may end while this one starts)
  const sink: typeof audits = [];
  audits = sink;
  server = await serveTestSessions(db, () => ({ hooks: hooks(), audit: (type, data) => sink.push({ type, data }) }));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server.close();
  asRoot(`DROP DATABASE IF EXISTS ${db}`);
});

/** A client of the agent's port, speaking the protocol with the codec. */
const connect = () => mysqlClient(server, clients);

const rows = (got: Got[]) => got.filter((g) => g.m.type === 'Row').map((g) => g.payload);
const columns = (got: Got[]) => got.filter((g) => g.m.type === 'Column').map((g) => (g.m as Extract<ServerMessage, { type: 'Column' }>).column);

describe('a MySQL session through the agent', () => {
  it("greets with the target's version and thread id, and takes any password", async () => {
    const c = await connect();
    expect(c.greeting.serverVersion).toMatch(/MariaDB/);
    expect(c.ok.payload[0]).toBe(0x00);
    const got = await c.run({ type: 'Query', sql: 'SELECT CONNECTION_ID(), DATABASE()' }, 'query');
    expect(parseTextRow(rows(got)[0]!, 2).map(String)).toEqual([String(c.greeting.connectionId), db]);
  });

  it('masks text rows and binary rows; NULL stays NULL', async () => {
    const c = await connect();
    const text = await c.run({ type: 'Query', sql: 'SELECT id, name, email FROM customers ORDER BY id' }, 'query');
    const values = rows(text).map((r) => parseTextRow(r, 3).map((v) => v?.toString() ?? null));
    expect(values[0]![2]).not.toContain('ann@example.com');
    expect(values[1]![0]).toBe('2');
    expect(values[1]![1]).not.toBe('Bob');
    expect(values[1]![2]).toBeNull();
    const prep = await c.run({ type: 'StmtPrepare', sql: 'SELECT id, email FROM customers WHERE id = ?' }, 'prepare');
    const id = (prep[0]!.m as Extract<ServerMessage, { type: 'PrepareOk' }>).prepare.statementId;
    const exec = await c.run(
      { type: 'StmtExecute', statementId: id, flags: 0, iterations: 1, params: [{ type: TYPE.LONG, unsigned: false, value: 1 }], newParamsBound: true },
      'execute',
    );
    const [, email] = parseBinaryRow(rows(exec)[0]!, columns(exec));
    expect(String(email)).not.toContain('ann@example.com');
    expect(String(email)).toBe(values[0]![2]);
  });

  it('refuses a denied statement with the guardrail, records it, and the session goes on', async () => {
    const c = await connect();
    const denied = await c.run({ type: 'Query', sql: 'DROP TABLE customers' }, 'query');
    expect(denied[0]!.m).toMatchObject({ type: 'Error', err: { code: 1227, message: expect.stringContaining('"drop-table": DROP is not allowed') } });
    const held = await c.run({ type: 'Query', sql: "GRANT SELECT ON *.* TO 'x'" }, 'query');
    expect(held[0]!.m).toMatchObject({ type: 'Error', err: { message: expect.stringContaining('needs approval') } });
    expect(asRoot(`SELECT count(*) FROM ${db}.customers`).trim()).toBe('2');
    expect((await c.run({ type: 'Ping' }, 'ok'))[0]!.m.type).toBe('OK');
    expect(audits.filter((a) => a.type === 'statement').map((a) => [a.data.decision, a.data.executed])).toEqual([
      ['deny', false],
      ['review', false],
    ]);
  });

  it('refuses COM_CHANGE_USER and unknown commands with an ERR, and ends on COM_QUIT', async () => {
    const c = await connect();
    const cu = await c.run({ type: 'ChangeUser', changeUser: { user: 'root', authResponse: Buffer.alloc(0), database: '' } }, 'ok');
    expect(cu[0]!.m).toMatchObject({ type: 'Error', err: { code: 1047, message: expect.stringContaining('COM_CHANGE_USER is not relayed') } });
    c.ch.write(Buffer.from([0x12, 1, 2, 3]), 0);
    expect((await c.ch.next()).payload[0]).toBe(0xff);
    const closed = new Promise((r) => c.sock.once('close', r));
    c.ch.write(writeCommand({ type: 'Quit' }, 0), 0);
    await closed;
    await expect.poll(() => audits.map((a) => a.type)).toContain('session.close');
    expect(audits.find((a) => a.type === 'session.close')!.data).toMatchObject({ reason: 'client quit', statements: 0 });
  });

  it('an oversized packet gets ER_NET_PACKET_TOO_LARGE before the rest of it arrives', async () => {
    const c = await connect();
    const head = framePacket(Buffer.alloc(10), 0).subarray(0, 4);
    head.writeUIntLE(2 << 20, 0, 3);
    c.sock.write(head);
    const err = await c.ch.next();
    expect(err.payload.readUInt16LE(1)).toBe(1153);
  });

  it('the mariadb client works through it: multi-statement batches, masked rows, a denied statement in its own words', async () => {
    const port = (server.address() as net.AddressInfo).port;
    const mariadb = (sql: string) =>
      new Promise<{ out: string; err: string }>((resolve) => {
        const args = ['-h', HOST, '-P', String(port), '-u', 'anyone', '-pwhatever', '--ssl=0', '-N', '-B', db, '-e', sql];
        execFile('mariadb', args, { encoding: 'utf8' }, (_e, out, err) => resolve({ out, err }));
      });
    const ok = await mariadb('SELECT id, email FROM customers ORDER BY id; SELECT 1 + 1');
    expect(ok.err).toBe('');
    const lines = ok.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^1\t/);
    expect(lines[0]).not.toContain('ann@example.com');
    expect(lines[1]).toBe('2\tNULL');
    expect(lines[2]).toBe('2');
    const denied = await mariadb('DROP TABLE customers');
    expect(denied.err).toMatch(/ERROR 1227 \(42000\).*"drop-table": DROP is not allowed/);
  });

  it('masks a statement’s record text while the target runs it, and records the masked text', async () => {
    const maskedAt = new Map<string, number>();
    const base = hooks();
    const sink: typeof audits = [];
    const timed = await serveTestSessions(db, () => ({
      hooks: {
        ...base,
        maskAudit: (t: string) => {
          if (!maskedAt.has(t)) maskedAt.set(t, performance.now());
          return base.maskAudit(t);
        },
      },
      audit: (type, data) => sink.push({ type, data }),
    }));
    try {
      const c = await mysqlClient(timed, clients);
      const sql = "SELECT SLEEP(0.3), 'ann@example.com'";
      await c.run({ type: 'Query', sql }, 'query');
      const answered = performance.now();
      // masked right after it went to the target: at least the target's 0.3 s before the client had the answer
      expect(answered - maskedAt.get(sql)!).toBeGreaterThanOrEqual(250);
      const record = sink.find((a) => a.type === 'statement')!;
      expect(record.data.sql).toMatch(/^SELECT SLEEP\(0\.3\), '/);
      expect(record.data.sql).not.toContain('ann@example.com');
    } finally {
      timed.close();
    }
  });
});
