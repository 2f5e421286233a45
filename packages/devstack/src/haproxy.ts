import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { searchPath } from './env';
import { freePort, type Service, startService, waitFor } from './process';
import { findBinary } from './tools';

export interface Balanced {
  /** the load balancer's port in front of each backend's `http` port (HTTP API, WebSockets of agents and clients) */
  httpPort: number;
  /** the load balancer's port in front of each backend's `pg` port (the Postgres listener), when they have one */
  pgPort: number | null;
  service: Service;
  stop(): Promise<void>;
}

/**
 * HAProxy (Debian's `haproxy`) in TCP mode in front of several gateways, as a deployment puts a load balancer in front
 * of them: round robin over the gateways that pass a TCP check (every 300 ms; 2 failures take one out), a connection
 * sent again to another gateway when its first one is refused. Long-lived tunnels (an hour without traffic) are kept.
 */
export async function startHaproxy(backends: { http: number; pg: number | null }[], o: { logDir?: string } = {}): Promise<Balanced> {
  const binary = findBinary('haproxy');
  if (!binary) throw new Error('haproxy is not installed (Debian: apt-get install -y haproxy)');
  const dir = await mkdtemp(path.join(tmpdir(), 'hoop-haproxy-'));
  const httpPort = await freePort();
  const withPg = backends.every((b) => b.pg !== null);
  const pgPort = withPg ? await freePort() : null;
  const servers = (which: 'http' | 'pg') =>
    backends.map((b, i) => `  server g${i} 127.0.0.1:${b[which]} check inter 300 fall 2 rise 1 on-marked-down shutdown-sessions`).join('\n');
  const config = `global
  maxconn 4000
defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  retries 2
  option redispatch
frontend http
  bind 127.0.0.1:${httpPort}
  default_backend gateways_http
backend gateways_http
  balance roundrobin
${servers('http')}
${
  pgPort
    ? `frontend pg
  bind 127.0.0.1:${pgPort}
  default_backend gateways_pg
backend gateways_pg
  balance roundrobin
${servers('pg')}
`
    : ''
}`;
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const service = startService({ name: 'haproxy', command: binary, args: ['-db', '-f', file], env: { PATH: searchPath() }, logDir: o.logDir });
  await waitFor('haproxy to listen', () => connects(httpPort), { service, timeoutMs: 20_000 });
  return {
    httpPort,
    pgPort,
    service,
    async stop() {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function connects(port: number): Promise<boolean | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(null));
  });
}
