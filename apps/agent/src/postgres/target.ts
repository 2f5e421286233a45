import type net from 'node:net';
import type tls from 'node:tls';
import {
  BackendParser,
  type BackendMessage,
  md5Password,
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  ScramSha256Client,
  sslRequest,
  startupMessage,
} from '@hoop/pgwire';
import type { TargetConfig } from '@hoop/protocol';
import { connectTarget, type SocketTrace, startTargetTls, type TargetAddress } from '../session/target-socket';

export { type TargetConfig, targetConfigFrom } from '@hoop/protocol';

export class TargetError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'TargetError';
  }
}

/**
 * What a login went through, filled in as it goes (for connection tests): where it stands or stopped, the address
 * reached, TLS (`off` for sslmode disable and allow, `declined` when the target said no and sslmode allowed plain text),
 * the authentication the target asked for, and the target's parameters (server_version, …).
 */
export interface LoginTrace extends SocketTrace {
  auth?: 'trust' | 'cleartext' | 'md5' | 'scram-sha-256';
  loggedInMs?: number;
  parameters: Record<string, string>;
}

export function newLoginTrace(): LoginTrace {
  return { stage: 'connect', startedAt: Date.now(), parameters: {} };
}

export interface TargetSession {
  socket: net.Socket | tls.TLSSocket;
  parser: BackendParser;
  /** ParameterStatus messages as sent by the target, to relay to the client */
  parameterStatus: Uint8Array[];
  processId: number;
  secretKey: number;
  txStatus: 'I' | 'T' | 'E';
}

/** Opens a TCP connection, negotiates TLS when sslmode asks for it. */
export async function openSocket(cfg: TargetConfig, trace?: LoginTrace): Promise<net.Socket | tls.TLSSocket> {
  const to: TargetAddress = { host: cfg.host, port: cfg.port, connectTimeoutMs: cfg.connectTimeoutMs, error: (message) => new TargetError(message) };
  const socket = await connectTarget(to, trace, 'tls');
  if (cfg.sslmode === 'disable' || cfg.sslmode === 'allow') {
    if (trace) Object.assign(trace, { stage: 'login', tls: 'off' });
    return socket;
  }
  socket.write(sslRequest());
  const answer = await new Promise<number>((resolve, reject) => {
    // a target that never answers the SSLRequest (or hangs up) must not hold the caller forever
    const timer = setTimeout(() => {
      if (trace) trace.errno = 'ETIMEDOUT';
      socket.destroy();
      reject(new TargetError(`no answer to the TLS request within ${cfg.connectTimeoutMs / 1000}s`));
    }, cfg.connectTimeoutMs);
    const onClose = () => {
      clearTimeout(timer);
      reject(new TargetError('the target closed the connection instead of answering the TLS request'));
    };
    socket.once('close', onClose);
    socket.once('data', (d: Buffer) => {
      clearTimeout(timer);
      socket.removeListener('close', onClose);
      if (d.length !== 1) reject(new TargetError('unexpected answer to SSLRequest'));
      else resolve(d[0]!);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  if (answer !== 0x53 /* S */) {
    if (cfg.sslmode === 'prefer') {
      if (trace) Object.assign(trace, { stage: 'login', tls: 'declined', tlsMs: Date.now() - trace.startedAt });
      return socket;
    }
    socket.destroy();
    throw new TargetError(`the target does not accept TLS but sslmode is ${cfg.sslmode}`);
  }
  const verifyCa = cfg.sslmode === 'verify-ca' || cfg.sslmode === 'verify-full';
  return startTargetTls(socket, to, { verifyCa, verifyHost: cfg.sslmode === 'verify-full', ca: cfg.sslrootcert }, trace);
}

/**
 * Logs into the target with the agent's credentials (trust, cleartext, MD5 or SCRAM-SHA-256) and reads until the
 * first ReadyForQuery.
 */
export async function loginTarget(
  cfg: TargetConfig,
  password: string | null,
  params: Record<string, string>,
  maxMessage: number,
  trace?: LoginTrace,
): Promise<TargetSession> {
  const socket = await openSocket(cfg, trace);
  const parser = new BackendParser({ maxMessageSize: maxMessage });
  const parameterStatus: Uint8Array[] = [];
  let processId = 0;
  let secretKey = 0;
  let scram: ScramSha256Client | null = null;
  socket.write(startupMessage({ ...params, user: cfg.user, database: cfg.database }));

  const needPassword = (): string => {
    if (password === null) throw new TargetError('the target asks for a password but the connection has no secret configured');
    return password;
  };

  return new Promise<TargetSession>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (trace) trace.errno = 'ETIMEDOUT';
      fail(new TargetError('the target did not finish the login in time'));
    }, cfg.connectTimeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.destroy();
      reject(err);
    };
    const onMessage = (m: BackendMessage) => {
      switch (m.type) {
        case 'Authentication':
          if (trace && !trace.auth) trace.auth = ({ 0: 'trust', 3: 'cleartext', 5: 'md5', 10: 'scram-sha-256' } as const)[m.code as 0 | 3 | 5 | 10];
          if (m.code === 0) return;
          if (m.code === 3) return void socket.write(passwordMessage(needPassword()));
          if (m.code === 5) return void socket.write(passwordMessage(md5Password(cfg.user, needPassword(), m.data.subarray(0, 4))));
          if (m.code === 10) {
            if (!m.mechanisms?.includes('SCRAM-SHA-256')) throw new TargetError(`unsupported SASL mechanisms: ${m.mechanisms?.join(', ')}`);
            scram = new ScramSha256Client(cfg.user, needPassword());
            const first = scram.clientFirst();
            return void socket.write(saslInitialResponse(first.mechanism, first.data));
          }
          if (m.code === 11 && scram) {
            // the server waits for this answer; the key derivation it asks for runs off the event loop
            scram.serverFirstAsync(m.data).then((answer) => {
              if (!socket.destroyed) socket.write(saslResponse(answer));
            }, fail);
            return;
          }
          if (m.code === 12 && scram) return void scram.serverFinal(m.data);
          throw new TargetError(`unsupported authentication request ${m.code} from the target`);
        case 'ParameterStatus':
          parameterStatus.push(Uint8Array.from(m.raw));
          if (trace) trace.parameters[m.name] = m.value;
          return;
        case 'BackendKeyData':
          processId = m.processId;
          secretKey = m.secretKey;
          return;
        case 'ErrorResponse':
          throw new TargetError(`the target refused the login: ${m.fields.M ?? 'unknown error'}`, m.fields);
        case 'ReadyForQuery':
          if (trace) Object.assign(trace, { stage: 'ready', loggedInMs: Date.now() - trace.startedAt });
          clearTimeout(timer);
          socket.removeListener('data', onData);
          socket.removeListener('close', onClose);
          resolve({ socket, parser, parameterStatus, processId, secretKey, txStatus: m.status });
          return;
        default:
      }
    };
    const onData = (chunk: Buffer) => {
      try {
        parser.push(chunk, onMessage);
      } catch (err) {
        fail(err instanceof TargetError ? err : new TargetError(`login failed: ${(err as Error).message}`));
      }
    };
    const onClose = () => fail(new TargetError('the target closed the connection during login'));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', (err) => fail(new TargetError(`target connection error: ${err.message}`)));
  });
}
