import type net from 'node:net';
import tls from 'node:tls';
import {
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  errorResponse,
  type FrontendMessage,
  FrontendParser,
  parseSaslInitialResponse,
  PgWireError,
  ScramSha256Server,
  type ScramVerifier,
} from '@hoop/pgwire';

/** How the user a startup message names must prove who they are. */
export type FrontAuth =
  /** no password asked (the local port of a person already signed in); the server behind sends AuthenticationOk */
  | { method: 'trust' }
  /**
   * SCRAM-SHA-256 against every verifier the user holds (all with this salt and iteration count); none (an unknown
   * user) fails exactly as a wrong password does, after the same delay
   */
  | { method: 'scram'; salt: Buffer; iterations: number; verifiers: readonly ScramVerifier[] }
  /** refused before any exchange (too many attempts, …) */
  | { method: 'refuse'; code: string; message: string };

export interface StartupInfo {
  params: Record<string, string>;
  user: string;
  database: string;
  tls: boolean;
}

export interface FrontDoorOptions {
  /** the certificate the server answers an SSLRequest with; null answers 'N' (no TLS) */
  tls: tls.SecureContext | null;
  /** refuse a startup message sent over plain text */
  requireTls: boolean;
  authenticate(startup: StartupInfo): Promise<FrontAuth> | FrontAuth;
  /** a failed authentication is answered this long after its startup message arrived, whatever failed (default 1 s) */
  failDelayMs?: number;
  /** the whole handshake, TLS and authentication included, must end within this (default 10 s; Postgres allows 60) */
  timeoutMs?: number;
}

export type FrontDoorResult =
  /**
   * The client is authenticated (or needs not be). `socket` is paused with no listeners of the front door left;
   * `startup` is the startup message as the client sent it and `pending` what it sent after authenticating, both
   * to be passed on, in that order, to the server behind, which answers with AuthenticationOk, ParameterStatus, …
   */
  | { kind: 'session'; socket: net.Socket | tls.TLSSocket; startup: Buffer; info: StartupInfo; verifierIndex: number | null; pending: Buffer }
  | { kind: 'cancel'; processId: number; secretKey: number; raw: Buffer; tls: boolean }
  /** the client left, or was refused and has been told why */
  | { kind: 'closed'; reason: string };

/** Largest startup packet or authentication message read before the client is authenticated. */
const MAX_HANDSHAKE_MESSAGE = 10_000;

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** answer after the failure delay (an authentication failure), not at once */
    readonly delayed = false,
  ) {
    super(message);
  }
}

/**
 * The server side of a Postgres connection's handshake, up to and including authentication: SSLRequest (TLS with
 * the given certificate, or 'N'), GSSENCRequest ('N'), CancelRequest (handed back), the startup message, and the
 * password exchange the caller's `authenticate` asks for. What follows is the caller's: it passes the startup message
 * on to the real session. Every refusal is an ErrorResponse a client prints, never a silent close.
 */
export function acceptPostgres(socket: net.Socket, o: FrontDoorOptions): Promise<FrontDoorResult> {
  return new Promise((resolve) => {
    let current: net.Socket | tls.TLSSocket = socket;
    let buf: Buffer = Buffer.alloc(0);
    let phase: 'startup' | 'tls' | 'auth-decide' | 'sasl-initial' | 'sasl-final' | 'done' = 'startup';
    let isTls = false;
    let startupAt = 0;
    let info: StartupInfo | null = null;
    let startupRaw: Buffer | null = null;
    let scram: { server: ScramSha256Server; verifiers: readonly ScramVerifier[] } | null = null;

    const finish = (r: FrontDoorResult) => {
      if (phase === 'done') return;
      phase = 'done';
      clearTimeout(timer);
      current.removeListener('data', onData);
      current.removeListener('error', onError);
      current.removeListener('close', onClose);
      resolve(r);
    };
    const refuse = (code: string, message: string) => {
      const s = current;
      finish({ kind: 'closed', reason: message });
      s.on('error', () => undefined);
      if (!s.destroyed) s.end(errorResponse({ severity: 'FATAL', code, message }));
    };
    const fail = (err: unknown) => {
      if (phase === 'done') return;
      const r =
        err instanceof Refusal ? err : err instanceof PgWireError ? new Refusal(err.code, err.message) : new Refusal('XX000', `internal error: ${String(err)}`);
      if (!r.delayed) return refuse(r.code, r.message);
      // the same wait whatever failed (unknown user, wrong token, malformed proof): timing tells an attacker nothing
      const wait = Math.max(0, startupAt + (o.failDelayMs ?? 1000) - Date.now());
      current.pause();
      setTimeout(() => refuse(r.code, r.message), wait).unref();
    };
    const onError = () => finish({ kind: 'closed', reason: 'client connection failed' });
    const onClose = () => finish({ kind: 'closed', reason: 'client disconnected' });
    const timeoutMs = o.timeoutMs ?? 10_000;
    const timer = setTimeout(() => refuse('08P01', `no complete startup and authentication within ${timeoutMs / 1000} s`), timeoutMs);
    timer.unref();

    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        drain();
      } catch (err) {
        fail(err);
      }
    };

    /** the next whole packet of the buffer, or null: startup packets have no type byte, authentication messages do */
    const take = (typed: boolean): Buffer | null => {
      const head = typed ? 5 : 4;
      if (buf.length < head) return null;
      const len = typed ? buf.readInt32BE(1) + 1 : buf.readInt32BE(0);
      if (len < (typed ? 5 : 8) || len > MAX_HANDSHAKE_MESSAGE) throw new Refusal('08P01', `invalid ${typed ? 'message' : 'startup packet'} length ${len}`);
      if (buf.length < len) return null;
      const packet = buf.subarray(0, len);
      buf = buf.subarray(len);
      return packet;
    };

    const drain = () => {
      while (phase === 'startup' || phase === 'sasl-initial' || phase === 'sasl-final') {
        // a client that gives up before its startup message (node-postgres ending a connection it just opened) sends
        // only Terminate: it is leaving, not speaking garbage, so it is let go without an error, as Postgres lets it go
        if (buf.length >= 5 && buf[0] === 0x58 /* X */ && buf.readInt32BE(1) === 4 && (phase === 'startup' || phase === 'sasl-initial')) {
          const s = current;
          finish({ kind: 'closed', reason: 'the client terminated before authenticating' });
          s.end();
          return;
        }
        const packet = take(phase !== 'startup');
        if (!packet) return;
        if (phase === 'startup') startupPacket(packet);
        else saslMessage(packet);
      }
    };

    const startupPacket = (packet: Buffer) => {
      let message: ReturnType<typeof parseStartup>;
      try {
        message = parseStartup(packet);
      } catch (err) {
        throw err instanceof PgWireError ? new Refusal(err.code, err.message) : err;
      }
      switch (message.type) {
        case 'SSLRequest':
          if (isTls) throw new Refusal('08P01', 'SSLRequest over a connection that is already encrypted');
          if (!o.tls) return void current.write('N');
          // bytes after the request, before the handshake, would be read as if encrypted (CVE-2021-23214): refuse
          if (buf.length > 0) throw new Refusal('08P01', 'received unencrypted data after the SSL request');
          current.write('S');
          return upgrade(o.tls);
        case 'GSSENCRequest':
          if (buf.length > 0) throw new Refusal('08P01', 'received unencrypted data after the GSSAPI encryption request');
          return void current.write('N');
        case 'CancelRequest':
          return finish({ kind: 'cancel', processId: message.processId, secretKey: message.secretKey, raw: Buffer.from(packet), tls: isTls });
        case 'StartupMessage': {
          startupAt = Date.now();
          if (o.requireTls && !isTls)
            throw new Refusal('28000', 'hoop accepts connections here only over TLS: connect with sslmode=require (or verify-full with the CA hoop prints)');
          const user = message.params.user ?? '';
          if (!user) throw new Refusal('28000', 'no user name in the startup packet');
          info = { params: message.params, user, database: message.params.database || user, tls: isTls };
          startupRaw = Buffer.from(packet);
          phase = 'auth-decide';
          current.pause();
          Promise.resolve(o.authenticate(info)).then(decided, fail);
          return;
        }
      }
    };

    const decided = (auth: FrontAuth) => {
      if (phase !== 'auth-decide') return;
      current.resume();
      if (auth.method === 'refuse') return fail(new Refusal(auth.code, auth.message));
      if (auth.method === 'trust') return done(null);
      scram = { server: new ScramSha256Server(auth.salt, auth.iterations), verifiers: auth.verifiers };
      phase = 'sasl-initial';
      current.write(authenticationSasl(['SCRAM-SHA-256']));
      try {
        drain();
      } catch (err) {
        fail(err);
      }
    };

    const saslMessage = (packet: Buffer) => {
      const authFailed = () => new Refusal('28P01', `password authentication failed for user "${info!.user}"`, true);
      if (packet[0] !== 0x70 /* p */) throw new Refusal('08P01', `expected a password response, got message type '${String.fromCharCode(packet[0]!)}'`);
      const body = packet.subarray(5);
      if (phase === 'sasl-initial') {
        const { mechanism, response } = parseSaslInitialResponse(body);
        current.write(authenticationSaslContinue(scram!.server.clientFirst(mechanism, response)));
        phase = 'sasl-final';
        return;
      }
      let result: ReturnType<ScramSha256Server['clientFinal']>;
      try {
        result = scram!.server.clientFinal(body, scram!.verifiers);
      } catch {
        throw authFailed();
      }
      if (!result) throw authFailed();
      current.write(authenticationSaslFinal(result.serverFinal));
      done(result.index);
    };

    const done = (verifierIndex: number | null) => {
      const pending = buf;
      current.pause();
      finish({ kind: 'session', socket: current, startup: startupRaw!, info: info!, verifierIndex, pending });
    };

    const upgrade = (context: tls.SecureContext) => {
      phase = 'tls';
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      const t = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
      current = t;
      t.on('error', onError);
      t.on('close', onClose);
      t.once('secure', () => {
        if (phase !== 'tls') return;
        isTls = true;
        phase = 'startup';
        t.on('data', onData);
      });
    };

    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

function parseStartup(packet: Buffer) {
  const got: FrontendMessage[] = [];
  new FrontendParser().push(packet, (m) => got.push(m));
  const m = got[0];
  if (!m || (m.type !== 'SSLRequest' && m.type !== 'GSSENCRequest' && m.type !== 'CancelRequest' && m.type !== 'StartupMessage'))
    throw new PgWireError('malformed startup packet', '08P01');
  return m;
}
