import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {
  acceptPostgres,
  type CertificateAuthority,
  certificateCovers,
  type FrontAuth,
  generateCertificateAuthority,
  issuedBy,
  issueServerCertificate,
} from '@hoop/pgfront';
import { errorResponse, SCRAM_ITERATIONS, scramVerifier } from '@hoop/pgwire';
import type { TunnelStream } from '@hoop/protocol';

/**
 * The front door of `hoop connect`'s local port for a Postgres connection, as a Postgres server's: TLS when the client
 * asks (a certificate hoop makes, its CA kept beside the CLI's config so `sslmode=verify-full` can check it), and
 * SCRAM-SHA-256 with a password made for this run — so no other program or user on the machine rides the session
 * the person signed in for. The client's startup message then goes through the tunnel to the agent, which answers it.
 */
export interface PgFront {
  /** the password clients log in with; null: none asked (--no-password) */
  password: string | null;
  requireTls: boolean;
  tls: tls.SecureContext;
  /** the CA certificate's file, for sslrootcert; null when it could not be saved */
  caFile: string | null;
  auth: FrontAuth;
}

/** Local names the certificate is made for, besides the address the port listens on. */
const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];

/** The CA and server certificate kept in `dir`: a new server certificate from the kept CA when the names change or it
 * nears its end (clients that trust the CA keep working), a new CA only when none is kept or it nears its own end. */
export async function localTls(
  dir: string,
  host: string,
): Promise<{ context: tls.SecureContext; caFile: string | null; caCert: string; server: { cert: string; key: string } }> {
  const names = [...new Set([...LOCAL_NAMES, host])].filter((n) => n !== '0.0.0.0' && n !== '::');
  const files = { ca: path.join(dir, 'ca.crt'), caKey: path.join(dir, 'ca.key'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  const kept = await Promise.all([files.ca, files.caKey, files.cert, files.key].map((f) => readFile(f, 'utf8').catch(() => null)));
  const [caCert, caKey, cert, key] = kept;
  try {
    if (caCert && cert && key && certificateCovers(cert, names, 7) && issuedBy(cert, caCert))
      return { context: tls.createSecureContext({ cert, key }), caFile: files.ca, caCert, server: { cert, key } };
  } catch {
    // unreadable: made below
  }
  let ca: CertificateAuthority | null = null;
  try {
    if (caCert && caKey && certificateCovers(caCert, [], 30)) ca = { cert: caCert, key: caKey };
  } catch {
    // unreadable: a new CA below
  }
  const fresh = !ca;
  ca ??= await generateCertificateAuthority('hoop connect');
  const made = await issueServerCertificate(ca, names, 'hoop connect');
  const context = tls.createSecureContext({ cert: made.cert, key: made.key });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const [file, pem] of [[files.key, made.key], ...(fresh ? [[files.caKey, ca.key]] : [])] as const) {
      await writeFile(file, pem, { mode: 0o600 });
      await chmod(file, 0o600);
    }
    await writeFile(files.cert, made.cert, { mode: 0o644 });
    if (fresh) await writeFile(files.ca, ca.cert, { mode: 0o644 });
    return { context, caFile: files.ca, caCert: ca.cert, server: made };
  } catch (err) {
    process.stderr.write(`hoop: cannot keep the local certificate in ${dir} (${(err as Error).message}); it lives for this run only\n`);
    return { context, caFile: null, caCert: ca.cert, server: made };
  }
}

export async function pgFront(o: { configDir: string; host: string; password?: string; noPassword: boolean; requireTls: boolean }): Promise<PgFront> {
  const { context, caFile } = await localTls(path.join(o.configDir, 'connect-tls'), o.host);
  if (o.noPassword) return { password: null, requireTls: o.requireTls, tls: context, caFile, auth: { method: 'trust' } };
  const password = o.password ?? randomBytes(18).toString('base64url');
  const salt = randomBytes(16);
  const verifier = await scramVerifier(password, salt, SCRAM_ITERATIONS);
  return { password, requireTls: o.requireTls, tls: context, caFile, auth: { method: 'scram', salt, iterations: SCRAM_ITERATIONS, verifiers: [verifier] } };
}

/** The URL a client connects with, the password in it. */
export function pgUrl(front: PgFront, user: string, host: string, port: number, database: string): string {
  const h = net.isIPv6(host) ? `[${host}]` : host;
  const auth = front.password === null ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(front.password)}`;
  return `postgres://${auth}@${h}:${port}/${encodeURIComponent(database)}?sslmode=${front.requireTls ? 'require' : 'prefer'}`;
}

/**
 * One client of the local port: the handshake (TLS, startup, SCRAM) here, then its startup message and what follows
 * through a new tunnel stream to the agent; a cancel request rides a stream of its own.
 */
export function servePgClient(socket: net.Socket, front: PgFront, open: () => Promise<TunnelStream>): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  acceptPostgres(socket, { tls: front.tls, requireTls: front.requireTls, authenticate: () => front.auth, timeoutMs: 5000 }).then(async (r) => {
    if (r.kind === 'closed') return;
    const client = r.kind === 'session' ? r.socket : socket;
    let stream: TunnelStream;
    try {
      stream = await open();
    } catch (err) {
      // answer in the Postgres protocol so psql and drivers print the reason
      if (r.kind === 'session') client.end(errorResponse({ severity: 'FATAL', code: '08001', message: `hoop: ${(err as Error).message}` }));
      else client.destroy();
      return;
    }
    if (client.destroyed) return void stream.destroy();
    if (r.kind === 'cancel') {
      stream.on('error', () => undefined);
      stream.on('close', () => client.destroy());
      stream.end(r.raw);
      stream.resume();
      return;
    }
    // relayed to each other as they are read, without stream pipes (TunnelStream.relaySocket): a statement and its
    // answer cross this process with no stream machinery between the socket and the tunnel
    stream.relaySocket(client, r.pending.length ? Buffer.concat([r.startup, r.pending]) : r.startup);
    client.on('error', () => stream.destroy());
    stream.on('error', () => client.destroy());
    client.on('close', () => stream.destroy());
    stream.on('close', () => {
      if (stream.closeReason) process.stderr.write(`session ended: ${stream.closeReason}\n`);
      client.end();
    });
  });
}
