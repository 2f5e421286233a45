/**
 * What the MySQL tests share against the real MariaDB (127.0.0.1, HOOP_TEST_MYSQL_PORT or 3306, root without a
 * password): root's mariadb client for the tests' own setup, the target a session of the test opens, the hooks a
 * session judges and masks with, and a client of the agent's port speaking the protocol with the codec.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import {
  CLIENT,
  type Command,
  PacketParser,
  parseHandshakeV10,
  ResponseReader,
  type ResponseKind,
  type ServerMessage,
  writeCommand,
  writeHandshakeResponse41,
} from '@hoop/mysqlwire';
import type { AgentConnection } from '@hoop/protocol';
import { testMysqlPort } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { hooksFor } from '../session/policy-hooks';
import { PacketChannel } from './channel';
import type { MysqlHooks } from './relay';
import { type MysqlSessionOptions, serveMysql } from './session';

export const HOST = '127.0.0.1';
export const PORT = testMysqlPort();

/** Runs SQL as root with the mariadb client (the test's own setup, independent of the code under test). */
export const asRoot = (sql: string) => execFileSync('mariadb', ['-h', HOST, '-P', String(PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });

/** The capabilities the tests' clients ask for. */
export const CAPS = CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH | CLIENT.DEPRECATE_EOF | CLIENT.MULTI_RESULTS;

/** The target a session of the test opens: the test's MariaDB as root, database `db` (null: none), without TLS. */
export const testTarget = (db: string | null) => ({ host: HOST, port: PORT, user: 'root', database: db, sslMode: 'disabled' as const, connectTimeoutMs: 5000 });

/** The MySQL connection the tests' sessions belong to. */
export const testConnection = (): AgentConnection => ({
  id: 'c',
  name: 'orders-mysql',
  type: 'mysql',
  config: {},
  secretRef: null,
  readOnly: false,
  policy: null,
});

/** Hooks that judge with `judge` (and ask reviewers with `requestReview`) and mask as the connection's policy does. */
export function testHooks(judge: MysqlHooks['judge'], requestReview?: MysqlHooks['requestReview']): MysqlHooks {
  const conn = testConnection();
  const policy = hooksFor(() => conn, 'test-key');
  return {
    judge,
    ...(requestReview ? { requestReview } : {}),
    columnMasker: (c) => policy.columnMasker(c),
    maskText: (t) => policy.maskText(t),
    maskAudit: (t) => policy.maskAudit(t),
    takeMaskCounts: () => policy.takeMaskCounts(),
  };
}

/** A server on a free port of HOST that hands each connection to `serve`. */
export async function listenOn(serve: (sock: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(serve);
  await new Promise<void>((r) => server.listen(0, HOST, r));
  return server;
}

/**
 * An agent port whose every connection is a MySQL session on database `db` of the test's MariaDB (as root, no TLS,
 * 1 MiB messages), judged with the `hooks` and recorded with the `audit` that `options()` gives it, as it is called
 * for each session (it may add or change any other option).
 */
export function serveTestSessions(db: string, options: () => Pick<MysqlSessionOptions, 'hooks' | 'audit'> & Partial<MysqlSessionOptions>): Promise<net.Server> {
  return listenOn((sock) =>
    serveMysql(sock, {
      sessionId: 's1',
      target: testTarget(db),
      password: null,
      maxMessage: 1 << 20,
      log: createLogger('mysql-test', 'error'),
      ...options(),
    }),
  );
}

/** A message of an answer with the packet it came in. */
export type Got = { m: ServerMessage; payload: Buffer };

/**
 * A client of `server` that logs in (any password) with `caps`: `send` writes a command, `answerWithPayloads` reads
 * the whole answer to one command sent before (`answer`: its messages only), `run` does both. Its socket is pushed
 * to `clients`, for the test to destroy.
 */
export async function mysqlClient(server: net.Server, clients: net.Socket[], caps = CAPS) {
  const sock = net.connect((server.address() as net.AddressInfo).port, HOST);
  clients.push(sock);
  const ch = new PacketChannel(new PacketParser(), () => 'closed');
  ch.attach(sock);
  const greeting = parseHandshakeV10((await ch.next()).payload);
  ch.write(writeHandshakeResponse41({ capabilities: caps, username: 'anyone', authResponse: Buffer.alloc(20, 1), authPluginName: 'mysql_native_password' }), 1);
  const ok = await ch.next();
  const answerWithPayloads = async (kind: ResponseKind): Promise<Got[]> => {
    const reader = new ResponseReader(caps);
    reader.expect(kind);
    const got: Got[] = [];
    while (!reader.idle) {
      const p = await ch.next();
      reader.push(p.payload, p.sequenceId, (m, payload) => got.push({ m, payload: Buffer.from(payload) }));
    }
    return got;
  };
  const answer = async (kind: ResponseKind): Promise<ServerMessage[]> => (await answerWithPayloads(kind)).map((g) => g.m);
  const send = (c: Command, longData?: ReadonlySet<number>) => ch.write(writeCommand(c, caps, longData), 0);
  const run = (c: Command, kind: ResponseKind): Promise<Got[]> => {
    send(c);
    return answerWithPayloads(kind);
  };
  return { sock, ch, greeting, ok, send, answer, answerWithPayloads, run, threadId: greeting.connectionId };
}
