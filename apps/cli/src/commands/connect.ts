import net from 'node:net';
import { EXIT } from '@hoop/protocol';
import path from 'node:path';
import { configPath, loadConfig } from '../config';
import type { CliEnv } from '../env';
import { CliError, usage } from '../errors';
import { api, connectGateway, type GatewayLink } from '../gateway';
import { showWaiting } from '../waiting';
import { httpFront } from './connect-http';
import { defaultKubeconfig, kubeFront, kubeStatusBody, writeKubeconfig } from './connect-kube';
import { mysqlClient, mysqlReady, mysqlRefusal } from './connect-mysql';
import { type PgFront, pgFront, pgUrl, servePgClient } from './connect-pg';
import { type ReviewSummary, waitForDecision } from './reviews';

export interface ConnectionSummary {
  name: string;
  type: string;
  agent: string | null;
  online: boolean;
  tags: string[];
  readOnly: boolean;
  database?: string | null;
}

const DEFAULT_PORTS: Record<string, number> = { postgres: 5433, mysql: 3307, ssh: 2222, command: 2222, http: 8081, kubernetes: 6444 };

/**
 * `hoop connect NAME`: a local port that any client (psql, DBeaver, an ORM) connects to as if it were the database;
 * each TCP connection becomes one session through the gateway and the agent.
 */
export async function connectCommand(
  env: CliEnv,
  name: string,
  opts: {
    port?: number;
    host: string;
    durationMinutes?: number;
    reason?: string;
    exec?: boolean;
    /** Postgres: the local port's password (default: one made for this run); noPassword: none asked */
    password?: string;
    noPassword?: boolean;
    /** Postgres: refuse clients that do not use TLS */
    requireTls?: boolean;
    /** kubernetes: the kubeconfig the context is merged into (default: hoop's own) */
    kubeconfig?: string;
  },
): Promise<number> {
  const config = await loadConfig(env);
  const { connections } = await api<{ connections: ConnectionSummary[] }>(config, '/api/connections');
  const conn = connections.find((c) => c.name === name);
  if (!conn) throw usage(`connection "${name}" does not exist; run \`hoop connections\` to list yours`);
  if (!['postgres', 'mysql', 'ssh', 'command', 'http', 'kubernetes'].includes(conn.type))
    throw usage(`connection "${name}" is of type ${conn.type}, which \`hoop connect\` does not serve yet`);
  if ((conn.type === 'http' || conn.type === 'kubernetes') && opts.exec)
    throw usage(`--exec runs a database or ssh client; for one request on "${name}" use \`hoop exec ${name} -i "GET /path"\``);

  // time-boxed access: a connection may need an approved grant before anyone connects
  const access = await api<{ required: boolean; grant: { reviewId: string; expiresAt: string } | null; review: ReviewSummary | null }>(
    config,
    '/api/access-requests',
    {
      method: 'POST',
      body: {
        connection: name,
        ...(opts.durationMinutes !== undefined ? { durationMinutes: opts.durationMinutes } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
    },
  );
  let grantEnds: Date | null = access.grant ? new Date(access.grant.expiresAt) : null;
  if (access.required && !grantEnds && access.review) {
    const r = access.review;
    const stop = showWaiting({ reviewId: r.id, url: r.url ?? r.id, expiresAt: new Date(r.expiresAt) });
    const decided = await waitForDecision(config, r.id).finally(stop);
    if (decided.status !== 'approved' || !decided.grantExpiresAt) {
      const by = decided.votes.find((v) => v.decision === 'reject')?.user;
      throw new CliError(
        EXIT.rejected,
        `access to "${name}" was not granted: request ${decided.status}${by ? ` by ${by}` : ''}${decided.decisionNote ? `: ${decided.decisionNote}` : ''}`,
      );
    }
    grantEnds = new Date(decided.grantExpiresAt);
  }

  let link: GatewayLink | null = null;
  /** set when this process ends the link itself: its close is then no loss to report */
  let closing = false;
  const closeLink = () => {
    closing = true;
    (link as GatewayLink | null)?.close();
  };
  let linking: Promise<GatewayLink> | null = null;
  const getLink = () => {
    if (link) return Promise.resolve(link);
    linking ??= connectGateway(config).then(
      (l) => {
        link = l;
        linking = null;
        l.onClose(() => {
          link = null;
          if (!closing) process.stderr.write('gateway connection lost; new sessions will reconnect\n');
        });
        return l;
      },
      (err: unknown) => {
        linking = null;
        throw err;
      },
    );
    return linking;
  };
  await getLink();

  const openStream = (socket: net.Socket) =>
    getLink()
      .then((l) => l.open(name, 'connect', { client: 'hoop connect', peer: `${socket.remoteAddress}:${socket.remotePort}` }))
      .then(({ stream }) => stream);
  const front: PgFront | null =
    conn.type === 'postgres'
      ? await pgFront({
          configDir: path.dirname(configPath(env)),
          host: opts.host,
          password: opts.password,
          noPassword: Boolean(opts.noPassword),
          requireTls: Boolean(opts.requireTls),
        })
      : null;
  const kube = conn.type === 'kubernetes' ? await kubeFront(path.dirname(configPath(env)), opts.host) : null;
  const server: net.Server =
    conn.type === 'http' || kube
      ? httpFront({
          openSession: () =>
            getLink()
              .then((l) => l.open(name, 'connect', { client: kube ? 'kubectl' : 'hoop connect' }))
              .then(({ stream }) => stream),
          say: (line) => process.stderr.write(`${line}\n`),
          ...(kube ? { tls: kube.tls, check: kube.check, answerBody: kubeStatusBody } : {}),
        })
      : net.createServer((socket) => {
          if (front) return servePgClient(socket, front, () => openStream(socket));
          socket.setNoDelay(true);
          socket.pause();
          // a client that resets its connection while the session opens (it gave up waiting) must not end the whole proxy
          socket.on('error', () => socket.destroy());
          openStream(socket)
            .then((stream) => {
              if (socket.destroyed) return void stream.destroy();
              socket.pipe(stream);
              stream.pipe(socket);
              socket.resume();
              socket.on('error', () => stream.destroy());
              stream.on('error', () => socket.destroy());
              socket.on('close', () => stream.destroy());
              stream.on('close', () => {
                if (stream.closeReason) process.stderr.write(`session ended: ${stream.closeReason}\n`);
                socket.end();
              });
            })
            .catch((err: Error) => {
              // an ssh client would read a Postgres error as a bad banner: the reason goes to stderr here, and the client is closed
              process.stderr.write(`hoop: could not open a session on "${name}": ${err.message}\n`);
              // a MySQL client waits for a greeting: an error packet in its place says why
              if (conn.type === 'mysql' && !socket.destroyed) socket.end(mysqlRefusal(`hoop: could not open a session on "${name}": ${err.message}`));
              else socket.destroy();
            });
        });
  const port = opts.port ?? DEFAULT_PORTS[conn.type] ?? 5433;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new CliError(EXIT.usage, `port ${port} is already in use; pick another with --port`) : err),
    );
    server.listen(port, opts.host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  /** --exec: the client program runs against the port right away; its exit ends hoop connect with its code */
  const runClient = async (command: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const { spawn } = await import('node:child_process');
    const child = spawn(command, args, { stdio: 'inherit', env: { ...env.processEnv, ...extra } });
    const code = await new Promise<number>((resolve) => {
      child.on('error', (err) => {
        process.stderr.write(`hoop: cannot run ${command}: ${err.message}\n`);
        resolve(EXIT.usage);
      });
      child.on('exit', (c) => resolve(c ?? EXIT.unreachable));
    });
    server.close();
    closeLink();
    return code;
  };
  const grantLine = grantEnds ? `access granted until ${grantEnds.toISOString()}; sessions end then\n` : '';
  if (front) {
    const db = conn.database ?? 'postgres';
    const url = pgUrl(front, name, opts.host, addr.port, db);
    process.stdout.write(
      `ready: ${name} (${conn.type}) on ${opts.host}:${addr.port}\n` +
        `  psql "${url}"\n` +
        `  export DATABASE_URL="${url}"\n` +
        (front.caFile ? `  to check the server's certificate: sslmode=verify-full&sslrootcert=${front.caFile}\n` : '') +
        (front.password === null ? '  no password is asked: any program or user on this machine that reaches the port can use it\n' : '') +
        grantLine +
        'every statement is checked by policy and recorded; press Ctrl-C to stop\n',
    );
    // the password goes to psql in its environment, not on its command line (which any local user can read)
    if (opts.exec)
      return runClient('psql', [pgUrl({ ...front, password: null }, name, opts.host, addr.port, db)], front.password ? { PGPASSWORD: front.password } : {});
  } else if (kube) {
    const file = opts.kubeconfig ?? defaultKubeconfig(path.dirname(configPath(env)));
    const context = await writeKubeconfig(file, { name, host: opts.host, port: addr.port, caCert: kube.caCert, token: kube.token });
    process.stdout.write(
      `ready: ${name} (${conn.type}) on https://${opts.host}:${addr.port}\n` +
        `  wrote the context ${context} to ${file}\n` +
        (opts.kubeconfig ? '' : `  export KUBECONFIG=${file}\n`) +
        `  kubectl --context ${context} get pods\n` +
        '  requests are made as you (impersonation): the cluster RBAC applies; the service account token stays on the agent\n' +
        grantLine +
        'every request is checked by policy, Secrets redacted, answers masked and recorded; press Ctrl-C to stop\n',
    );
  } else if (conn.type === 'http') {
    const base = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${addr.port}`;
    process.stdout.write(
      `ready: ${name} (${conn.type}) on ${opts.host}:${addr.port}\n` +
        `  curl ${base}/\n` +
        `  export HOOP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL=${base}\n` +
        '  no credential is asked: any program or user on this machine that reaches the port can use it; the API key stays on the agent\n' +
        grantLine +
        'every request is checked by policy, answers masked and recorded; press Ctrl-C to stop\n',
    );
  } else if (conn.type === 'mysql') {
    process.stdout.write(
      `ready: ${name} (${conn.type}) on ${opts.host}:${addr.port}\n` +
        mysqlReady(name, opts.host, addr.port, conn.database) +
        grantLine +
        'every statement is checked by policy, rows masked and recorded; press Ctrl-C to stop\n',
    );
    if (opts.exec) {
      const client = mysqlClient(name, opts.host, addr.port, conn.database, env.processEnv.PATH ?? '');
      if (!client) {
        server.close();
        closeLink();
        throw usage('--exec runs the mariadb or mysql client, and neither is on PATH (Debian: apt-get install mariadb-client)');
      }
      return runClient(client.command, client.args);
    }
  } else {
    // the agent's host key is the same for every session of this connection: pin it under its own alias
    const sshArgs = ['-p', String(addr.port), '-o', `HostKeyAlias=hoop-${name}`, opts.host];
    process.stdout.write(
      `ready: ${name} (${conn.type}) on ${opts.host}:${addr.port}\n` +
        `  ssh ${sshArgs.join(' ')}\n` +
        `  scp -P ${addr.port} -o HostKeyAlias=hoop-${name} FILE ${opts.host}:PATH\n` +
        grantLine +
        'any user name works and no key is needed; commands are checked by policy, output masked and recorded; press Ctrl-C to stop\n',
    );
    if (opts.exec) return runClient('ssh', ['-o', 'StrictHostKeyChecking=accept-new', ...sshArgs]);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close();
      closeLink();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (grantEnds) {
      setTimeout(
        () => {
          process.stderr.write(
            `the access grant for "${name}" ended at ${grantEnds!.toISOString()}; run \`hoop connect ${name}\` again to ask for more time\n`,
          );
          stop();
        },
        Math.max(0, grantEnds.getTime() - Date.now()),
      ).unref();
    }
  });
  return EXIT.ok;
}
