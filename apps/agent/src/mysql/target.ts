import type net from 'node:net';
import tls from 'node:tls';
import {
  authToken,
  CACHING_SHA2,
  CACHING_SHA2_PASSWORD,
  cachingSha2RsaPassword,
  CLIENT,
  type HandshakeV10,
  NATIVE_PASSWORD,
  PacketParser,
  parseAuthMoreData,
  parseAuthSwitchRequest,
  parseErr,
  parseHandshakeV10,
  parseOk,
  scrambleOf,
  UTF8MB4_GENERAL_CI,
  writeHandshakeResponse41,
  writeSslRequest,
} from '@hoop/mysqlwire';
import { connectTarget, type SocketTrace, startTargetTls, type TargetAddress } from '../session/target-socket';
import { type Packet, PacketChannel } from './channel';
import type { MysqlTargetConfig } from './config';

export { type MysqlTargetConfig, mysqlTargetConfigFrom } from './config';

export class MysqlTargetError extends Error {
  constructor(
    message: string,
    /** the server's error number and SQLSTATE when the server refused (1045 access denied, …) */
    readonly server?: { code: number; sqlState: string },
  ) {
    super(message);
    this.name = 'MysqlTargetError';
  }
}

/** How the password went to the server (for connection tests). */
export type MysqlAuth = 'mysql_native_password' | 'caching_sha2_password (fast)' | 'caching_sha2_password (full, TLS)' | 'caching_sha2_password (full, RSA)';

/**
 * What a login went through, filled in as it goes (for connection tests), like the Postgres LoginTrace; its TLS is
 * `off` for ssl-mode disabled, `declined` when the server offers none and ssl-mode preferred allowed plain text.
 */
export interface MysqlLoginTrace extends SocketTrace {
  auth?: MysqlAuth;
  /** the plugins the server asked for, in order (the greeting's, then any AuthSwitchRequest's) */
  plugins: string[];
  loggedInMs?: number;
  serverVersion?: string;
  connectionId?: number;
}

export function newMysqlLoginTrace(): MysqlLoginTrace {
  return { stage: 'connect', startedAt: Date.now(), plugins: [] };
}

/** A logged-in connection to the target, ready for commands. */
export interface MysqlTargetSession {
  socket: net.Socket | tls.TLSSocket;
  /** the socket's packet parser, holding anything received after the login's OK (relay from it) */
  packets: PacketParser;
  /** the capabilities both sides agreed on */
  capabilities: number;
  greeting: HandshakeV10;
  /** as the server tells it (MariaDB's without its 5.5.5- prefix) */
  serverVersion: string;
  mariadb: boolean;
  /** the server's thread id: what KILL QUERY names */
  connectionId: number;
  statusFlags: number;
}

/** What the agent asks of the server unless told otherwise; what the server lacks is left out. */
export const DEFAULT_CAPABILITIES =
  CLIENT.LONG_PASSWORD |
  CLIENT.LONG_FLAG |
  CLIENT.PROTOCOL_41 |
  CLIENT.TRANSACTIONS |
  CLIENT.SECURE_CONNECTION |
  CLIENT.MULTI_STATEMENTS |
  CLIENT.MULTI_RESULTS |
  CLIENT.PS_MULTI_RESULTS |
  CLIENT.PLUGIN_AUTH |
  CLIENT.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  CLIENT.CONNECT_ATTRS |
  CLIENT.SESSION_TRACK |
  CLIENT.DEPRECATE_EOF;

export interface MysqlLoginOptions {
  /** capabilities to ask for (the client's, for a relayed session); CONNECT_WITH_DB and SSL are set here */
  capabilities?: number;
  attributes?: Record<string, string>;
  characterSet?: number;
  /** largest packet accepted from the target */
  maxPacket?: number;
  /**
   * Called with the target's greeting before the agent answers it (a relayed session greets its client with it and
   * logs in with what the client chose): returns the capabilities and database to log in with.
   */
  beforeLogin?: (greeting: HandshakeV10) => Promise<{ capabilities: number; database: string | null }>;
}

const addressOf = (cfg: MysqlTargetConfig): TargetAddress => ({
  host: cfg.host,
  port: cfg.port,
  connectTimeoutMs: cfg.connectTimeoutMs,
  error: (message) => new MysqlTargetError(message),
});

/**
 * Connects to a MySQL/MariaDB target and logs in with the agent's credential: TLS as ssl-mode asks,
 * mysql_native_password or caching_sha2_password (fast path; full authentication over TLS or with the server's RSA
 * key), following AuthSwitchRequests. Fails with a MysqlTargetError that says why (the server's own message when it
 * refused), within the config's timeout.
 */
export async function loginMysqlTarget(
  cfg: MysqlTargetConfig,
  password: string | null,
  options: MysqlLoginOptions = {},
  trace: MysqlLoginTrace = newMysqlLoginTrace(),
): Promise<MysqlTargetSession> {
  const raw = await connectTarget(addressOf(cfg), trace, 'login');
  let socket: net.Socket | tls.TLSSocket = raw;
  const packets = new PacketParser({ maxPayload: options.maxPacket ?? 64 * 1024 * 1024, checkSequence: true });
  const channel = new PacketChannel(packets, () => `the target closed the connection during the ${trace.stage === 'tls' ? 'TLS handshake' : 'login'}`);
  channel.attach(raw);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      trace.errno = 'ETIMEDOUT';
      reject(new MysqlTargetError(`the target did not finish the login within ${cfg.connectTimeoutMs / 1000}s (at: ${trace.stage})`));
    }, cfg.connectTimeoutMs);
  });
  const steps = async (): Promise<MysqlTargetSession> => {
    const greeting = await readGreeting(channel);
    Object.assign(trace, { serverVersion: greeting.serverVersion, connectionId: greeting.connectionId });
    trace.plugins.push(greeting.authPluginName || NATIVE_PASSWORD);
    if ((greeting.capabilities & CLIENT.PROTOCOL_41) === 0) throw new MysqlTargetError('the target does not speak protocol 4.1 (MySQL 4.1 or later is needed)');
    const chosen = options.beforeLogin
      ? await options.beforeLogin(greeting)
      : { capabilities: options.capabilities ?? DEFAULT_CAPABILITIES, database: cfg.database };
    const database = chosen.database;
    let caps = (chosen.capabilities | CLIENT.PROTOCOL_41 | CLIENT.SECURE_CONNECTION | CLIENT.PLUGIN_AUTH) & ~CLIENT.SSL & ~CLIENT.CONNECT_WITH_DB;
    if (database !== null) caps |= CLIENT.CONNECT_WITH_DB;
    caps = (caps & greeting.capabilities) >>> 0;
    const characterSet = options.characterSet ?? UTF8MB4_GENERAL_CI;
    let seq = 1;
    const offersTls = (greeting.capabilities & CLIENT.SSL) !== 0;
    if (cfg.sslMode === 'disabled') trace.tls = 'off';
    else if (!offersTls) {
      if (cfg.sslMode !== 'preferred') throw new MysqlTargetError(`the target does not offer TLS but ssl-mode is ${cfg.sslMode}`);
      trace.tls = 'declined';
    } else {
      caps = (caps | CLIENT.SSL) >>> 0;
      channel.write(writeSslRequest({ capabilities: caps, characterSet }), seq++);
      channel.detach();
      trace.stage = 'tls';
      const verifyCa = cfg.sslMode === 'verify-ca' || cfg.sslMode === 'verify-identity';
      socket = await startTargetTls(raw, addressOf(cfg), { verifyCa, verifyHost: cfg.sslMode === 'verify-identity', ca: cfg.sslCa }, trace);
      channel.attach(socket);
    }
    const secure = socket instanceof tls.TLSSocket;
    let plugin = greeting.authPluginName || NATIVE_PASSWORD;
    let scramble = greeting.authPluginData;
    const pw = password ?? '';
    let token = authToken(plugin, pw, scramble);
    if (token === null) {
      // a plugin this agent cannot answer: offer the native one, the server switches if the account needs another
      plugin = NATIVE_PASSWORD;
      token = authToken(plugin, pw, scramble)!;
    }
    channel.write(
      writeHandshakeResponse41({
        capabilities: caps,
        characterSet,
        username: cfg.user,
        authResponse: token,
        database: database ?? undefined,
        authPluginName: plugin,
        attributes: { _client_name: 'hoop', ...options.attributes },
        mariadbCapabilities: 0,
      }),
      seq,
    );
    trace.auth = plugin === NATIVE_PASSWORD ? 'mysql_native_password' : 'caching_sha2_password (fast)';
    let askedKey = false;
    for (;;) {
      const p = await channel.next();
      const reply = (data: Uint8Array) => channel.write(data, (p.sequenceId + 1) & 0xff);
      const head = p.payload[0];
      if (head === 0x00) {
        const ok = parseOk(p.payload, caps);
        channel.detach();
        Object.assign(trace, { stage: 'ready', loggedInMs: Date.now() - trace.startedAt });
        const mariadb = /mariadb/i.test(greeting.serverVersion);
        return {
          socket,
          packets,
          capabilities: caps,
          greeting,
          serverVersion: mariadb ? greeting.serverVersion.replace(/^5\.5\.5-/, '') : greeting.serverVersion,
          mariadb,
          connectionId: greeting.connectionId,
          statusFlags: ok.statusFlags,
        };
      }
      if (head === 0xff) throw refused(p);
      if (head === 0xfe) {
        const sw = parseAuthSwitchRequest(p.payload);
        trace.plugins.push(sw.pluginName);
        const next = authToken(sw.pluginName, pw, scrambleOf(sw.pluginData));
        if (next === null) throw new MysqlTargetError(`the target asks for the ${sw.pluginName} authentication plugin, which hoop does not support`);
        plugin = sw.pluginName;
        scramble = scrambleOf(sw.pluginData);
        trace.auth = plugin === NATIVE_PASSWORD ? 'mysql_native_password' : 'caching_sha2_password (fast)';
        reply(next);
        continue;
      }
      if (head === 0x01 && plugin === CACHING_SHA2_PASSWORD) {
        const data = parseAuthMoreData(p.payload);
        if (askedKey) {
          reply(cachingSha2RsaPassword(pw, scramble, data));
          askedKey = false;
          continue;
        }
        if (data.length === 1 && data[0] === CACHING_SHA2.FAST_AUTH_SUCCESS) continue;
        if (data.length !== 1 || data[0] !== CACHING_SHA2.PERFORM_FULL_AUTHENTICATION)
          throw new MysqlTargetError(`unexpected caching_sha2_password data from the target (${data.length} bytes)`);
        if (secure) {
          trace.auth = 'caching_sha2_password (full, TLS)';
          reply(Buffer.from(`${pw}\0`, 'utf8'));
        } else if (cfg.serverPublicKey) {
          trace.auth = 'caching_sha2_password (full, RSA)';
          reply(cachingSha2RsaPassword(pw, scramble, cfg.serverPublicKey));
        } else {
          trace.auth = 'caching_sha2_password (full, RSA)';
          askedKey = true;
          reply(Buffer.from([CACHING_SHA2.REQUEST_PUBLIC_KEY]));
        }
        continue;
      }
      throw new MysqlTargetError(`unexpected packet from the target during the login (first byte 0x${(head ?? 0).toString(16)})`);
    }
  };
  const run = steps();
  // after a timeout the steps end with the socket's closing: nobody waits for that
  run.catch(() => undefined);
  try {
    return await Promise.race([run, timeout]);
  } catch (err) {
    channel.detach();
    socket.destroy();
    raw.destroy();
    if (err instanceof MysqlTargetError) throw err;
    throw new MysqlTargetError(`login failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

async function readGreeting(channel: PacketChannel): Promise<HandshakeV10> {
  let p: Packet;
  try {
    p = await channel.next();
  } catch (err) {
    const why = (err as Error).message;
    throw new MysqlTargetError(why.startsWith('the target sent') ? `the target did not greet like a MySQL/MariaDB server (${why})` : why);
  }
  // a server that refuses the connection outright (too many connections, host blocked) answers with ERR
  if (p.payload[0] === 0xff) throw refused(p);
  try {
    return parseHandshakeV10(p.payload);
  } catch (err) {
    throw new MysqlTargetError(`the target did not greet like a MySQL/MariaDB server: ${(err as Error).message}`);
  }
}

function refused(p: Packet): MysqlTargetError {
  const e = parseErr(p.payload);
  return new MysqlTargetError(`the target refused the login: ${e.message} (${e.code}${e.sqlState ? `, ${e.sqlState}` : ''})`, {
    code: e.code,
    sqlState: e.sqlState,
  });
}
