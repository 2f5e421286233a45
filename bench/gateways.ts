/**
 * Several gateways, `npm run bench:gateways`: sessions per second and statements per second through 1, 2 and 3
 * gateways (separate processes behind HAProxy in TCP mode, one agent holding a tunnel to each, one database), clients
 * on the gateways' Postgres listener through the load balancer (TLS, a token as the password):
 *
 * 1. sessions: GW_WORKERS clients, each opening a session, running one statement and closing it, again and again;
 * 2. statements: GW_WORKERS long sessions, each running `select 1` again and again.
 *
 * Each phase runs GW_SECONDS. Printed with the CPU seconds the gateways, the agent and this process (the clients) used,
 * and the machine's load: on two shared cores the figures are a ratio between the runs, not a capacity.
 */
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startTestStack, type TestStack } from '@hoop/devstack';
import { startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';
import { cpuSeconds } from './proc';

const WORKERS = Number(process.env.GW_WORKERS ?? 16);
const SECONDS = Number(process.env.GW_SECONDS ?? 10);
const COUNTS = (process.env.GW_COUNTS ?? '1,2,3').split(',').map(Number);
const out = (line: string) => process.stdout.write(`${line}\n`);
const cpu = (pid: number | undefined) => (pid ? cpuSeconds(pid) : 0);
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Phase {
  count: number;
  perSecond: number;
  errors: number;
  cpu: { gateways: number; agent: number; clients: number };
  load: number;
}

async function measure(stack: TestStack, run: (stop: () => boolean) => Promise<{ count: number; errors: number }>): Promise<Phase> {
  const gatewayPids = stack.fleet!.gateways.map((g) => g.service.child.pid);
  const before = { gateways: gatewayPids.reduce<number>((a, p) => a + cpu(p), 0), agent: cpu(stack.agent!.child.pid), clients: selfCpu() };
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  const r = await run(() => Date.now() >= deadline);
  const seconds = (Date.now() - started) / 1000;
  return {
    ...r,
    perSecond: r.count / seconds,
    cpu: {
      gateways: gatewayPids.reduce<number>((a, p) => a + cpu(p), 0) - before.gateways,
      agent: cpu(stack.agent!.child.pid) - before.agent,
      clients: selfCpu() - before.clients,
    },
    load: loadavg()[0]!,
  };
}

async function bench(gateways: number, targetUrl: string): Promise<{ sessions: Phase; statements: Phase }> {
  const stack = await startTestStack({ gateways, auditSigning: false });
  try {
    await stack.addPostgresConnection('bench', targetUrl);
    await stack.startAgent();
    await stack.fleet!.waitAgents(1);
    const ca = (await stack.db.$queryRawUnsafe<{ ca_cert: string }[]>('SELECT ca_cert FROM gateway_certificates LIMIT 1'))[0]!.ca_cert;
    const config: pg.ClientConfig = {
      host: '127.0.0.1',
      port: stack.pgPort,
      user: 'admin@test.local',
      password: stack.adminToken,
      database: 'bench',
      ssl: { ca, servername: 'localhost' },
      connectionTimeoutMillis: 30_000,
    };
    const sessions = await measure(stack, async (stop) => {
      let count = 0;
      let errors = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (!stop()) {
            const c = new pg.Client(config);
            c.on('error', () => undefined);
            try {
              await c.connect();
              await c.query('select 1');
              count++;
            } catch {
              errors++;
            } finally {
              await c.end().catch(() => undefined);
            }
          }
        }),
      );
      return { count, errors };
    });
    const clients = await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        const c = new pg.Client(config);
        await c.connect();
        return c;
      }),
    );
    const statements = await measure(stack, async (stop) => {
      let count = 0;
      let errors = 0;
      await Promise.all(
        clients.map(async (c) => {
          while (!stop()) {
            try {
              await c.query('select 1');
              count++;
            } catch {
              errors++;
            }
          }
        }),
      );
      return { count, errors };
    });
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    return { sessions, statements };
  } finally {
    await stack.stop();
  }
}

const phaseLine = (what: string, p: Phase, unit: string) =>
  `${what}: ${p.perSecond.toFixed(1)} ${unit}/s (${p.count} in ${SECONDS} s, ${p.errors} errors); CPU s: gateways ${p.cpu.gateways.toFixed(1)}, ` +
  `agent ${p.cpu.agent.toFixed(1)}, clients ${p.cpu.clients.toFixed(1)}; ` +
  `gateway CPU per ${unit.replace(/s$/, '')} ${((p.cpu.gateways / Math.max(1, p.count)) * 1000).toFixed(2)} ms; load ${p.load.toFixed(1)}`;

const target = await startEmbeddedPostgres({
  dir: await mkdtemp(path.join(tmpdir(), 'hoop-gwbench-')),
  port: await freePort(),
  password: 'bench-pw',
  maxConnections: 300,
});
try {
  out(`bench:gateways — ${WORKERS} clients, ${SECONDS} s a phase, through HAProxy (TCP) to the gateways' Postgres listeners; load ${loadavg()[0]!.toFixed(1)}`);
  for (const n of COUNTS) {
    const r = await bench(n, target.url('postgres'));
    out(`${n} gateway${n > 1 ? 's' : ''}`);
    out(`  ${phaseLine('sessions', r.sessions, 'sessions')}`);
    out(`  ${phaseLine('statements', r.statements, 'statements')}`);
  }
} finally {
  await target.stop();
}
