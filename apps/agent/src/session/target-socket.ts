import net from 'node:net';
import tls from 'node:tls';

/**
 * What opening a socket to a target went through, filled in as it goes (for connection tests): each protocol's login
 * trace carries these fields and adds its own.
 */
export interface SocketTrace {
  stage: 'connect' | 'tls' | 'login' | 'ready';
  startedAt: number;
  connectedMs?: number;
  /** the IP address the host name led to */
  address?: string;
  /** `off`: not asked for; `declined`: the target offered none and the TLS mode allowed plain text */
  tls?: { protocol: string; cipher: string; verified: boolean } | 'off' | 'declined';
  tlsMs?: number;
  /** the system error behind a failed connect (ENOTFOUND, ECONNREFUSED, ETIMEDOUT, …) */
  errno?: string;
}

/** Where to connect, and how to fail: each protocol names its own error. */
export interface TargetAddress {
  host: string;
  port: number;
  connectTimeoutMs: number;
  error: (message: string) => Error;
}

/** Opens a TCP connection within the timeout; the trace moves on to `next` once connected. */
export function connectTarget(to: TargetAddress, trace: SocketTrace | undefined, next: SocketTrace['stage']): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: to.host, port: to.port });
    const timer = setTimeout(() => {
      s.destroy();
      if (trace) trace.errno = 'ETIMEDOUT';
      reject(to.error(`could not reach ${to.host}:${to.port} within ${to.connectTimeoutMs / 1000}s`));
    }, to.connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      if (trace) Object.assign(trace, { stage: next, connectedMs: Date.now() - trace.startedAt, address: s.remoteAddress });
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (trace) trace.errno = err.code;
      reject(to.error(`could not reach ${to.host}:${to.port}: ${err.code ?? err.message}`));
    });
  });
}

/** How a TLS mode checks the target's certificate (Postgres sslmode, MySQL ssl-mode). */
export interface TargetTls {
  /** the certificate must chain to a trusted CA (verify-ca and stronger) */
  verifyCa: boolean;
  /** the certificate must name the host the connection names (verify-full, verify-identity) */
  verifyHost: boolean;
  /** the CA to trust (PEM) instead of the agent host's system CAs */
  ca?: string;
}

/**
 * Starts TLS on a connected socket. A host name is sent as the server name; the identity check is made against the
 * host the connection names, an IP address too (without a server name Node would check "localhost").
 */
export function startTargetTls(socket: net.Socket, to: TargetAddress, mode: TargetTls, trace: SocketTrace | undefined): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({
      socket,
      servername: net.isIP(to.host) ? undefined : to.host,
      rejectUnauthorized: mode.verifyCa,
      ...(mode.ca ? { ca: mode.ca } : {}),
      checkServerIdentity: mode.verifyHost ? (_name, cert) => tls.checkServerIdentity(to.host, cert) : () => undefined,
    });
    t.once('secureConnect', () => {
      if (trace)
        Object.assign(trace, {
          stage: 'login',
          tls: { protocol: t.getProtocol() ?? 'TLS', cipher: t.getCipher().name, verified: mode.verifyCa && t.authorized },
          tlsMs: Date.now() - trace.startedAt,
        });
      resolve(t);
    });
    t.once('error', (err) => reject(to.error(`TLS to ${to.host} failed: ${err.message}`)));
  });
}
