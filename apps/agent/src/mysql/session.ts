import type { Duplex } from 'node:stream';
import type { Logger } from '@hoop/log';
import { CLIENT, framePacket, type HandshakeResponse41, PacketParser, writeErr, writeOk } from '@hoop/mysqlwire';
import type { MemoryBudget } from '../session/memory-budget';
import { PacketChannel } from './channel';
import type { MysqlTargetConfig } from './config';
import type { MysqlThreads } from './threads';
import { clientGreeting, clientLogin, RELAYED_CAPABILITIES } from './front';
import { type MysqlHooks, MysqlRelay } from './relay';
import { simpleQuery } from './simple-query';
import { loginMysqlTarget, type MysqlTargetSession } from './target';

export interface MysqlSessionOptions {
  sessionId: string;
  target: MysqlTargetConfig;
  password: string | null;
  maxMessage: number;
  budget?: MemoryBudget;
  hooks: MysqlHooks;
  /** a read-only connection: the target session is opened read-only too (SET SESSION TRANSACTION READ ONLY) */
  readOnly?: boolean;
  /** the session's statements are bounded to this many ms (an agent session: the policy's statement timeout) */
  statementTimeoutMs?: number;
  /** the agent's sessions of this connection by target thread, for KILL QUERY of a held statement */
  threads?: { registry: MysqlThreads; connectionId: string };
  log: Logger;
  audit(type: string, data: Record<string, unknown>): void;
}

/**
 * The statement that bounds a session's statements to `ms`: MariaDB's max_statement_time (seconds, every statement);
 * MySQL's max_execution_time (ms), which bounds SELECTs only (MySQL has no bound for other statements).
 */
export function statementTimeSql(serverVersion: string, ms: number): string {
  const whole = Math.max(1, Math.floor(ms));
  return /mariadb/i.test(serverVersion) ? `SET SESSION max_statement_time = ${whole / 1000}` : `SET SESSION max_execution_time = ${whole}`;
}

/**
 * One client session on a MySQL/MariaDB connection. The agent connects to the target first and greets the client with
 * the target's version and thread id (so `KILL QUERY <id>` names the target's thread); the client's login is not
 * checked (the person was authenticated by the gateway), and the agent logs in to the target with its own credential
 * and the capabilities the client chose, then relays commands through the policy (relay.ts).
 */
export function serveMysql(client: Duplex, o: MysqlSessionOptions): void {
  const share = o.budget?.share();
  const clientChannel = new PacketChannel(new PacketParser({ maxPayload: 64 * 1024 }), () => 'the client closed the connection during the login');
  let target: MysqlTargetSession | null = null;
  let relay: MysqlRelay | null = null;
  let unregister: (() => void) | null = null;
  let over = false;
  let login: HandshakeResponse41 | null = null;
  let loginSeq = 0;
  const started = Date.now();

  const end = (reason: string) => {
    if (over) return;
    over = true;
    o.log.info('mysql session ended', { sessionId: o.sessionId, reason });
    share?.release();
    unregister?.();
    relay?.dispose();
    clientChannel.detach();
    target?.socket.destroy();
    client.end();
    o.audit('session.close', {
      reason,
      statements: relay?.statementCount ?? 0,
      durationMs: Date.now() - started,
      masked: relay?.maskedOverall() ?? o.hooks.takeMaskCounts(),
    });
  };
  const refuseLogin = (code: number, sqlState: string, message: string, seq: number) => {
    client.write(framePacket(writeErr({ code, sqlState, message }), seq));
    end(message);
  };

  clientChannel.attach(client);
  loginMysqlTarget(o.target, o.password, {
    maxPacket: o.maxMessage,
    attributes: { program_name: 'hoop', hoop_session: o.sessionId },
    beforeLogin: async (greeting) => {
      clientChannel.write(clientGreeting(greeting), 0);
      const p = await clientChannel.next();
      const parsed = clientLogin(p.payload);
      if (typeof parsed === 'string') {
        refuseLogin(1043, '08S01', parsed, (p.sequenceId + 1) & 0xff);
        throw new Error(parsed);
      }
      login = parsed;
      loginSeq = p.sequenceId;
      return { capabilities: (parsed.capabilities & RELAYED_CAPABILITIES) >>> 0, database: parsed.database || o.target.database };
    },
  })
    .then(async (t) => {
      target = t;
      // a write the guard could not see is refused by the server too (MariaDB and MySQL refuse DDL as well: 1792)
      if (o.readOnly && !over)
        await simpleQuery(t, 'SET SESSION TRANSACTION READ ONLY', o.target.connectTimeoutMs).catch((err: Error) => {
          throw new Error(`it did not open the session read-only (a read-only connection): ${err.message}`);
        });
      // the guard refuses every statement that would change the bound (see the statement-timeout refusal)
      if (o.statementTimeoutMs && !over) {
        const sql = statementTimeSql(t.serverVersion, o.statementTimeoutMs);
        await simpleQuery(t, sql, o.target.connectTimeoutMs).catch((err: Error) => {
          throw new Error(`it could not bound the session's statement time (${sql}): ${err.message}`);
        });
      }
      return t;
    })
    .then(
      (t) => {
        if (over) return void t.socket.destroy();
        clientChannel.detach();
        // the client learns the agreed capabilities: what it asked for, as the target accepted it
        client.write(framePacket(writeOk({ statusFlags: t.statusFlags }, t.capabilities), (loginSeq + 1) & 0xff));
        o.audit('mysql.login', { serverVersion: t.serverVersion, threadId: t.connectionId, user: login?.username ?? null, database: login?.database ?? null });
        relay = new MysqlRelay({
          client,
          target: t.socket,
          targetPackets: t.packets,
          capabilities: t.capabilities,
          maxMessage: o.maxMessage,
          hooks: o.hooks,
          readOnly: o.readOnly,
          timeBound: Boolean(o.statementTimeoutMs),
          audit: o.audit,
          end,
          ...(o.threads ? { killed: (id: number) => o.threads!.registry.killed(o.threads!.connectionId, id) } : {}),
        });
        const r = relay;
        if (o.threads) unregister = o.threads.registry.add(o.threads.connectionId, t.connectionId, r);
        client.on('data', (chunk: Buffer) => {
          r.fromClient(chunk);
          if (!share || over || share.hold(r.heldBytes)) return;
          const bytes = r.heldBytes;
          o.log.warn('session ended: input memory budget used up', {
            session: o.sessionId,
            holds: bytes,
            agentTotal: o.budget!.inUse,
            heldForReview: r.holding,
          });
          const why = r.holding
            ? o.budget!.refusal(
                bytes - share.bytes,
                'sent while a statement waits for approval',
                'the statement did not run; send it again and wait for the decision before sending more',
              )
            : o.budget!.refusal(bytes - share.bytes, 'a packet still arriving or commands queued', 'send smaller packets');
          // ER_OUT_OF_RESOURCES, as the answer to the command the client waits on (after what was on its way)
          r.flush();
          client.write(framePacket(writeErr({ code: 1041, sqlState: 'HY000', message: why }), 1));
          end('the session holds more client input than the agent allows');
        });
        t.socket.on('data', (chunk: Buffer) => r.fromTarget(chunk));
        t.socket.on('close', () => end('the target closed the connection'));
        t.socket.on('error', (err) => end(`target connection error: ${err.message}`));
        client.on('close', () => end('the client closed the connection'));
        client.on('error', () => end('client stream error'));
        if ((t.capabilities & CLIENT.PROTOCOL_41) === 0) end('protocol 4.1 is required');
      },
      (err: Error) => {
        if (over) return;
        // the client waits for its login's answer: it gets the target's refusal in its own words
        refuseLogin(1045, '28000', `hoop could not log in to the target: ${err.message}`, login ? (loginSeq + 1) & 0xff : 0);
      },
    );
}
