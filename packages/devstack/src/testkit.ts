import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db, encryptSecret, generateAuditKeyPair, notifyConfigChanged, parseEncryptionKey } from '@hoop/db';
import { createTestDatabase, seedAgent, seedApiToken, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { rotateAgentKey } from '@hoop/core/agent/rotate-agent-key';
import { voteOnReview } from '@hoop/core/review/reviews';
import { inheritedEnv, testServerUrl } from './env';
import { type GatewayFleet, startGatewayFleet } from './gateway-fleet';
import { freePort, type Service, stopWithThisProcess, waitFor } from './process';
import { cliCommand, startAgentService, startGatewayService } from './services';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A member of the stack's org, with an API token of their own (HOOP_TOKEN for `hoop`, Bearer for the gateway's API). */
export interface StackUser {
  id: string;
  email: string;
  role: string;
  token: string;
}

export interface TestStack {
  db: Db;
  dbUrl: string;
  orgId: string;
  adminToken: string;
  agentId: string;
  agentKey: string;
  /** the gateway's port; with several gateways, their load balancer's */
  gatewayPort: number;
  gatewayUrl: string;
  /** the gateway's Postgres listener (TLS required; user: a member's e-mail, password: their token, database: a connection) */
  pgPort: number;
  /** the gateway's HOOP_ENCRYPTION_KEY (hex) */
  encryptionKey: string;
  /** the gateway's HOOP_AUDIT_SIGNING_KEY (PEM), its public key (PEM) and key id; null when started without one */
  auditKey: { signingKey: string; publicKey: string; keyId: string } | null;
  configFile: string;
  /** where the stack's gateway and agents write their logs (kept after the stack stops) */
  logDir: string;
  gateway: Service;
  /** with `gateways`: the gateways (each on its own ports) and the HAProxy in front of them */
  fleet: GatewayFleet | null;
  agent: Service | null;
  /** the environment through which the stack's agent reads the secrets of connections added before it started */
  secretEnv: Readonly<Record<string, string>>;
  /**
   * A Postgres connection served by the stack's agent. Its password (when the URL has one) reaches the agent through
   * its environment when the agent is not started yet, else sealed in the control plane (an agent's environment is
   * fixed once it runs); `sealed` seals it in the control plane either way, as a password typed into the web app is.
   */
  addPostgresConnection(name: string, targetUrl: string, opts?: { readOnly?: boolean; agentId?: string | null; sealed?: boolean }): Promise<void>;
  /**
   * an `ssh`, `command`, `mysql`, `anthropic` or `http` connection served by the stack's agent (its config as the agent reads it);
   * the secret reaches the agent through its environment
   */
  addConnection(
    name: string,
    type: 'ssh' | 'command' | 'mysql' | 'anthropic' | 'http' | 'kubernetes',
    config: Record<string, unknown>,
    secret?: string,
  ): Promise<void>;
  /** a member of the org with the role (developer, reviewer, admin…), and a token for them */
  addUser(opts: { role: string; email?: string }): Promise<StackUser>;
  /** `user`'s decision on a review, recorded as the web app records one */
  vote(reviewId: string, user: StackUser, decision: 'approve' | 'reject', comment?: string | null): Promise<void>;
  /** a new key for the agent, as the web app's Agents page makes one: every gateway closes its tunnels of the old key */
  rotateAgentKey(agentId: string): Promise<string>;
  /** what the web app sends after a policy or a connection changes: the agents load their configuration again */
  notifyConfigChanged(): Promise<void>;
  startAgent(): Promise<Service>;
  /** another agent of the org, started (dialing the gateway, or the load balancer); its connections name its id */
  startOtherAgent(name: string): Promise<{ id: string; service: Service }>;
  /** kill -9 the gateway, then start it again on the same port */
  crashGateway(): Promise<void>;
  stopAgent(): Promise<void>;
  cli(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string }): Promise<CliResult>;
  /** `hoop …` in the background (as another user when given their token); `output()` is stderr + stdout so far */
  spawnCli(
    args: string[],
    opts?: { token?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): { done: Promise<CliResult>; output(): string; kill(signal?: NodeJS.Signals): void };
  /**
   * `hoop connect NAME` on a free port. `url` logs in with the password the run printed (null with `noPassword`,
   * which starts it with --no-password); `args` are more of its options.
   */
  connect(
    name: string,
    opts?: { noPassword?: boolean; args?: string[]; env?: NodeJS.ProcessEnv },
  ): Promise<{ port: number; url: string; password: string | null; stop(): Promise<void>; output(): string }>;
  stop(): Promise<void>;
}

/** Gateway and agent as real processes over a fresh database; targets are added as connections. */
export async function startTestStack(
  opts: {
    heartbeatMs?: number;
    gatewayNodeArgs?: string[];
    agentNodeArgs?: string[];
    agentEnv?: NodeJS.ProcessEnv;
    gatewayEnv?: NodeJS.ProcessEnv;
    webUrl?: string;
    /** false: the gateway seals the audit chain unsigned (by default each stack signs with a key of its own) */
    auditSigning?: boolean;
    /** this many gateways (separate processes, 1 or more) behind HAProxy; the stack's ports are the load balancer's */
    gateways?: number;
  } = {},
): Promise<TestStack> {
  const database: TestDatabase = await createTestDatabase(testServerUrl(), 'e2e');
  const db = createDb(database.url, { max: 3 });
  const org = await seedOrg(db, { name: 'Test', slug: `test-${randomBytes(3).toString('hex')}` });
  const admin = await seedUser(db, org.id, { email: 'admin@test.local', role: 'admin' });
  const { token } = await seedApiToken(db, admin.id);
  const { agent, key } = await seedAgent(db, org.id, { name: 'test-agent' });
  const dir = await mkdtemp(path.join(tmpdir(), 'hoop-test-'));
  const logDir = path.join(dir, 'logs');
  let gatewayPort = await freePort();
  let pgPort = await freePort();
  let gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const encryptionKey = randomBytes(32).toString('hex');
  const pair = opts.auditSigning === false ? null : generateAuditKeyPair();
  const auditKey = pair ? { signingKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, keyId: pair.keyId } : null;
  const gatewayOptions = {
    databaseUrl: database.url,
    port: gatewayPort,
    encryptionKey,
    auditSigningKey: auditKey?.signingKey,
    webUrl: opts.webUrl ?? 'http://localhost:3999',
    heartbeatMs: opts.heartbeatMs,
    pgPort,
    env: opts.gatewayEnv,
    nodeArgs: opts.gatewayNodeArgs,
  };
  let fleet: GatewayFleet | null = null;
  if (opts.gateways !== undefined) {
    fleet = await startGatewayFleet({ ...gatewayOptions, withPg: true }, opts.gateways!);
    gatewayPort = fleet.lb.httpPort;
    pgPort = fleet.lb.pgPort!;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  }
  const gateway = fleet ? fleet.gateways[0]!.service : await startGatewayService({ ...gatewayOptions, logDir });
  const configFile = path.join(dir, 'cli.json');
  await writeFile(configFile, JSON.stringify({ gatewayUrl, token }), { mode: 0o600 });
  const secretEnv: Record<string, string> = {};
  const children: { stop(): Promise<void> }[] = [];

  const stack: TestStack = {
    db,
    dbUrl: database.url,
    orgId: org.id,
    adminToken: token,
    agentId: agent.id,
    agentKey: key,
    gatewayPort,
    gatewayUrl,
    pgPort,
    encryptionKey,
    auditKey,
    configFile,
    logDir,
    gateway,
    fleet,
    agent: null,
    secretEnv,
    async addPostgresConnection(name, targetUrl, o = {}) {
      const u = new URL(targetUrl);
      const password = decodeURIComponent(u.password);
      let secret: { secretRef: string | null; secretEncrypted?: string } = { secretRef: null };
      if (u.password && (stack.agent || o.sealed))
        secret = { secretRef: 'stored', secretEncrypted: encryptSecret(password, parseEncryptionKey(encryptionKey)) };
      else if (u.password) {
        const envName = `HOOP_TEST_SECRET_${Object.keys(secretEnv).length}`;
        secretEnv[envName] = password;
        secret = { secretRef: `env:${envName}` };
      }
      await seedConnection(db, org.id, {
        name,
        type: 'postgres',
        agentId: o.agentId === undefined ? agent.id : o.agentId,
        config: {
          host: u.hostname,
          port: Number(u.port || 5432),
          database: u.pathname.slice(1),
          user: decodeURIComponent(u.username),
          sslmode: u.searchParams.get('sslmode') ?? 'disable',
        },
        ...secret,
        readOnly: o.readOnly ?? false,
      });
    },
    async addConnection(name, type, config, secret) {
      let secretRef: string | null = null;
      if (secret !== undefined) {
        const envName = `HOOP_TEST_SECRET_${Object.keys(secretEnv).length}`;
        secretEnv[envName] = secret;
        secretRef = `env:${envName}`;
      }
      await seedConnection(db, org.id, { name, type, agentId: agent.id, config: config as never, secretRef });
    },
    async addUser(o) {
      const user = await seedUser(db, org.id, { role: o.role, ...(o.email ? { email: o.email } : {}) });
      const { token } = await seedApiToken(db, user.id);
      return { id: user.id, email: user.email, role: user.role, token };
    },
    async vote(reviewId, user, decision, comment = null) {
      await voteOnReview(db, { reviewId, user: { id: user.id, orgId: org.id, email: user.email, role: user.role }, decision, comment, via: 'web' });
    },
    async rotateAgentKey(agentId) {
      return (await rotateAgentKey(db, org.id, { id: agentId })).key;
    },
    async notifyConfigChanged() {
      await notifyConfigChanged(db, org.id);
    },
    async startAgent() {
      const svc = startAgentService({
        gatewayUrl: `ws://127.0.0.1:${gatewayPort}`,
        key,
        logDir,
        env: { ...secretEnv, HOOP_LOG_LEVEL: 'debug', HOOP_AGENT_DATA_DIR: path.join(dir, 'agent'), ...opts.agentEnv },
        nodeArgs: opts.agentNodeArgs,
      });
      stack.agent = svc;
      await waitFor('the agent to come online', async () => ((await db.agent.findUnique({ where: { id: agent.id } }))?.connectedAt ? true : null), {
        service: svc,
        timeoutMs: 30_000,
      });
      return svc;
    },
    async startOtherAgent(name) {
      const other = await seedAgent(db, org.id, { name });
      const service = startAgentService({
        gatewayUrl: `ws://127.0.0.1:${gatewayPort}`,
        key: other.key,
        env: { ...secretEnv, HOOP_LOG_LEVEL: 'debug', HOOP_AGENT_DATA_DIR: path.join(dir, `agent-${name}`), ...opts.agentEnv },
        nodeArgs: opts.agentNodeArgs,
      });
      children.push({ stop: () => service.stop() });
      await waitFor('the agent to come online', async () => ((await db.agent.findUnique({ where: { id: other.agent.id } }))?.connectedAt ? true : null), {
        service,
        timeoutMs: 30_000,
      });
      return { id: other.agent.id, service };
    },
    async crashGateway() {
      if (fleet) throw new Error('with several gateways, kill one with stack.fleet.kill(i)');
      await stack.gateway.stop('SIGKILL');
      stack.gateway = await startGatewayService({ ...gatewayOptions, logDir });
    },
    async stopAgent() {
      await stack.agent?.stop();
      stack.agent = null;
    },
    cli(args, o = {}) {
      return new Promise((resolve) => {
        const hoop = cliCommand(args);
        const child = spawn(hoop.command, hoop.args, {
          env: { ...inheritedEnv(), ...hoop.env, HOOP_CONFIG: configFile, ...o.env },
          stdio: ['pipe', 'pipe', 'pipe'],
          ...(o.cwd ? { cwd: o.cwd } : {}),
        });
        stopWithThisProcess(child);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        if (o.input !== undefined) child.stdin.end(o.input);
        else child.stdin.end();
      });
    },
    spawnCli(args, o = {}) {
      const hoop = cliCommand(args);
      const child = spawn(hoop.command, hoop.args, {
        env: { ...inheritedEnv(), ...hoop.env, HOOP_CONFIG: configFile, ...(o.token ? { HOOP_GATEWAY_URL: gatewayUrl, HOOP_TOKEN: o.token } : {}), ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      stopWithThisProcess(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
      const done = new Promise<CliResult>((resolve) =>
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        }),
      );
      children.push({ stop: async () => void (child.exitCode === null && child.kill('SIGKILL')) });
      return { done, output: () => stderr + stdout, kill: (signal) => void child.kill(signal) };
    },
    async connect(name, o = {}) {
      const port = await freePort();
      const args = ['connect', name, '--port', String(port), ...(o.noPassword ? ['--no-password'] : []), ...(o.args ?? [])];
      const hoop = cliCommand(args);
      const child = spawn(hoop.command, hoop.args, {
        env: { ...inheritedEnv(), ...hoop.env, HOOP_CONFIG: configFile, ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      stopWithThisProcess(child);
      let out = '';
      await mkdir(logDir, { recursive: true });
      const log = createWriteStream(path.join(logDir, `connect-${name}-${port}.log`));
      const keep = (d: Buffer) => {
        out += d.toString();
        log.write(d);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.once('close', () => log.end());
      const exited = new Promise((r) => child.once('exit', r));
      const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await exited;
      };
      // stopped with the stack even when it never says it is ready (or says so after the test gave up on it)
      children.push({ stop });
      await waitFor(
        `hoop connect ${name} to be ready`,
        async () => {
          if (child.exitCode !== null) throw new Error(`hoop connect exited: ${out}`);
          return out.includes('ready:') ? true : null;
        },
        { timeoutMs: 30_000 },
      ).catch(async (err: Error) => {
        await stop();
        throw err;
      });
      // the password is in the URL it prints (postgres connections): tests log in with it, as a user would
      const printed = /postgres:\/\/[^"\s]+/.exec(out)?.[0];
      const password = printed ? decodeURIComponent(new URL(printed).password) || null : null;
      const handle = {
        port,
        password,
        url: `postgres://tester${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${name}?sslmode=disable`,
        output: () => out,
        stop,
      };
      return handle;
    },
    async stop() {
      for (const c of children) await c.stop();
      await stack.agent?.stop();
      await (fleet ? fleet.stop() : stack.gateway.stop());
      await db.$disconnect();
      await database.drop().catch(() => undefined);
    },
  };
  return stack;
}

/** A scratch database to act as a target, reachable with the server's credentials. */
export async function createTargetDatabase(label = 'target'): Promise<{
  url: string;
  drop(): Promise<void>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
}> {
  const { createScratchDatabase } = await import('@hoop/db/testing');
  const t = await createScratchDatabase(testServerUrl(), label);
  const pool = new pg.Pool({ connectionString: t.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    url: t.url,
    query: (sql, params) => pool.query(sql, params),
    async drop() {
      await pool.end();
      await t.drop();
    },
  };
}
