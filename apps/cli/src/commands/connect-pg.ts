import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { acceptPostgres, type FrontAuth, generateServerTls } from '@hoop/pgfront';
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

function covers(certPem: string, names: string[]): boolean {
  const cert = new X509Certificate(certPem);
  if (new Date(cert.validTo).getTime() < Date.now() + 7 * 24 * 3600 * 1000) return false;
  return names.every((n) => (net.isIP(n) ? cert.checkIP(n) : cert.checkHost(n)) !== undefined);
}

/** The CA and server certificate kept in `dir` (made anew when missing, expiring, or not for these names). */
async function localTls(dir: string, host: string): Promise<{ context: tls.SecureContext; caFile: string | null }> {
  const names = [...new Set([...LOCAL_NAMES, host])].filter((n) => n !== '0.0.0.0' && n !== '::');
  const files = { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  try {
    const [, cert, key] = await Promise.all([files.ca, files.cert, files.key].map((f) => readFile(f, 'utf8')));
    if (covers(cert!, names)) return { context: tls.createSecureContext({ cert: cert!, key: key! }), caFile: files.ca };
  } catch {
    // none kept yet, or unreadable: made below
  }
  const made = await generateServerTls(names, 'hoop connect');
  const context = tls.createSecureContext({ cert: made.cert, key: made.key });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(files.key, made.key, { mode: 0o600 });
    await chmod(files.key, 0o600);
    await writeFile(files.cert, made.cert, { mode: 0o644 });
    await writeFile(files.ca, made.caCert, { mode: 0o644 });
    return { context, caFile: files.ca };
  } catch (err) {
    process.stderr.write(`hoop: cannot keep the local certificate in ${dir} (${(err as Error).message}); it lives for this run only\n`);
    return { context, caFile: null };
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
    stream.write(r.pending.length ? Buffer.concat([r.startup, r.pending]) : r.startup);
    client.pipe(stream);
    stream.pipe(client);
    client.resume();
    client.on('error', () => stream.destroy());
    stream.on('error', () => client.destroy());
    client.on('close', () => stream.destroy());
    stream.on('close', () => {
      if (stream.closeReason) process.stderr.write(`session ended: ${stream.closeReason}\n`);
      client.end();
    });
  });
}
