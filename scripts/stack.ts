/**
 * `npm start`: embedded Postgres (unless DATABASE_URL is set), migrations, the demo, gateway, agent and web app, and
 * the local CLI logged in as the demo admin. Data lives under .hoop/ and is reused on the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createDb, generateAuditKeyPair, migrate, parseAuditSigningKey } from '@hoop/db';
import { portIsFree, REPO_ROOT, type Service, startAgentService, startGatewayService, waitFor } from '@hoop/devstack';
import { DEMO, ensureDemo } from '@hoop/devstack/demo';
import { DEFAULT_DEMO_MYSQL_URL, ensureDemoMysql } from '@hoop/devstack/demo-mysql';
import { type EmbeddedHandle, startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';
import { startWebService, webSettingsFrom, webSettingsProblem } from './web-service';

const HOOP_DIR = path.join(REPO_ROOT, '.hoop');
const LOG_DIR = path.join(HOOP_DIR, 'logs');
const SECRETS_FILE = path.join(HOOP_DIR, 'secrets.json');
const AGENT_KEY_FILE = path.join(HOOP_DIR, 'agent-key.json');
const CLI_FILE = path.join(HOOP_DIR, 'cli.json');
/** the gateway's HOOP_AUDIT_SIGNING_KEY: outside the database, so whoever can write to it cannot re-sign the audit chain */
const AUDIT_KEY_FILE = path.join(HOOP_DIR, 'audit-signing-key.pem');
const AUDIT_PUBLIC_KEY_FILE = path.join(HOOP_DIR, 'audit-public-key.pem');

const env = {
  databaseUrl: process.env.DATABASE_URL,
  pgPort: Number(process.env.HOOP_PG_PORT ?? 5454),
  gatewayPort: Number(process.env.HOOP_GATEWAY_PORT ?? 8009),
  /** the gateway's Postgres listener (psql with a token as the password); off: none */
  gatewayPgPort: process.env.HOOP_GATEWAY_PG_PORT === 'off' ? null : Number(process.env.HOOP_GATEWAY_PG_PORT ?? 15432),
  webPort: Number(process.env.HOOP_WEB_PORT ?? 3000),
  noWeb: process.argv.includes('--no-web'),
  /** single sign-on (HOOP_OIDC_*), NEXTAUTH_URL, the session secret: handed to the web app as they are */
  web: webSettingsFrom(process.env),
};

const c = { dim: '\x1b[2m', bold: '\x1b[1m', green: '\x1b[32m', cyan: '\x1b[36m', reset: '\x1b[0m' };
const step = (msg: string) => process.stdout.write(`${c.cyan}▸${c.reset} ${msg}\n`);

interface LocalSecrets {
  pgPassword: string;
  encryptionKey: string;
  demoTargetPassword: string;
  authSecret: string;
}

async function localSecrets(): Promise<LocalSecrets> {
  if (existsSync(SECRETS_FILE)) return JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) as LocalSecrets;
  const s: LocalSecrets = {
    pgPassword: randomBytes(18).toString('base64url'),
    encryptionKey: randomBytes(32).toString('hex'),
    demoTargetPassword: randomBytes(18).toString('base64url'),
    authSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(HOOP_DIR, { recursive: true });
  await writeFile(SECRETS_FILE, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

/** The audit signing key, made once; its public half is written next to it for the web app's verification. */
async function auditSigningKey(): Promise<{ keyId: string }> {
  await mkdir(HOOP_DIR, { recursive: true });
  if (!existsSync(AUDIT_KEY_FILE)) await writeFile(AUDIT_KEY_FILE, generateAuditKeyPair().privateKeyPem, { mode: 0o600, flag: 'wx' });
  const signer = parseAuditSigningKey(`file:${AUDIT_KEY_FILE}`);
  await writeFile(AUDIT_PUBLIC_KEY_FILE, signer.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { keyId: signer.keyId };
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main(): Promise<void> {
  const started = Date.now();
  const services: Service[] = [];
  let embedded: EmbeddedHandle | null = null;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping…\n');
    for (const s of [...services].reverse()) await s.stop().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    for (const [what, port, variable] of [
      ['gateway', env.gatewayPort, 'HOOP_GATEWAY_PORT'],
      ['web app', env.webPort, 'HOOP_WEB_PORT'],
      ["gateway's Postgres listener", env.gatewayPgPort, 'HOOP_GATEWAY_PG_PORT (or off)'],
    ] as const) {
      if ((what === 'web app' && env.noWeb) || port === null) continue;
      if (!(await portIsFree(port))) throw new Error(`port ${port} for the ${what} is taken; stop what uses it or set ${variable}`);
    }
    const webProblem = env.noWeb ? null : webSettingsProblem(env.web);
    if (webProblem) throw new Error(webProblem);
    const secrets = await localSecrets();
    const auditKey = await auditSigningKey();
    let serverUrl: string;
    if (env.databaseUrl) {
      step(`using the Postgres in DATABASE_URL (${new URL(env.databaseUrl).host})`);
      serverUrl = env.databaseUrl;
    } else {
      step(`starting embedded Postgres on 127.0.0.1:${env.pgPort} (data in .hoop/postgres)`);
      embedded = await startEmbeddedPostgres({ dir: path.join(HOOP_DIR, 'postgres'), port: env.pgPort, password: secrets.pgPassword });
      serverUrl = embedded.url('postgres');
    }
    const databaseUrl = env.databaseUrl ?? (await ensureDatabase(serverUrl, 'hoop'));

    step('applying migrations');
    const m = await migrate(databaseUrl);
    step(m.applied.length ? `applied ${m.applied.join(', ')}` : `schema up to date (${m.total} migrations)`);

    step('seeding the demo (org, admin, agent, demo database with fake customers, connection demo-pg)');
    const db = createDb(databaseUrl);
    // the local agent key and CLI token belong to one database: another DATABASE_URL gets its own
    const databaseId = createHash('sha256')
      .update(env.databaseUrl ?? 'embedded')
      .digest('hex')
      .slice(0, 16);
    const stored = <T>(file: string): (T & { databaseId?: string }) | null => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T & { databaseId?: string };
      } catch {
        return null;
      }
    };
    const keyFile = stored<{ key: string }>(AGENT_KEY_FILE);
    const cliFile = stored<{ token: string }>(CLI_FILE);
    const shellDir = path.join(HOOP_DIR, 'demo-shell');
    await prepareDemoShell(shellDir);
    const demo = await ensureDemo(db, {
      serverUrl,
      shellDir,
      targetPassword: secrets.demoTargetPassword,
      needAgentKey: keyFile?.databaseId !== databaseId,
      needCliToken: cliFile?.databaseId !== databaseId,
    });
    // demo-mysql: the same customers on a MySQL/MariaDB when one answers (its login shares the demo-pg password)
    const demoAgent = await db.agent.findUniqueOrThrow({ where: { orgId_name: { orgId: demo.orgId, name: DEMO.agentName } } });
    const mysqlUrl = process.env.HOOP_DEMO_MYSQL_URL || DEFAULT_DEMO_MYSQL_URL;
    const demoMysql = await ensureDemoMysql(db, {
      url: mysqlUrl,
      orgId: demo.orgId,
      agentId: demoAgent.id,
      password: secrets.demoTargetPassword,
      secretEnv: DEMO.targetSecretEnv,
    }).catch((err: Error) => ({ ok: false as const, reason: err.message }));
    step(
      demoMysql.ok ? `connection demo-mysql: MySQL/MariaDB at ${demoMysql.target}` : `no demo-mysql: ${demoMysql.reason} (HOOP_DEMO_MYSQL_URL names another)`,
    );
    if (demo.agentKey) await writeFile(AGENT_KEY_FILE, JSON.stringify({ databaseId, key: demo.agentKey }), { mode: 0o600 });
    const agentKey = demo.agentKey ?? keyFile!.key;
    const gatewayUrl = `http://127.0.0.1:${env.gatewayPort}`;
    // links in review messages and `hoop login` point where people open the web app
    const webUrl = (env.web.NEXTAUTH_URL ?? `http://localhost:${env.webPort}`).replace(/\/$/, '');
    if (demo.cliToken) {
      await writeFile(CLI_FILE, `${JSON.stringify({ gatewayUrl, token: demo.cliToken, webUrl, user: DEMO.adminEmail, databaseId }, null, 2)}\n`, {
        mode: 0o600,
      });
    }

    step(`starting the gateway on :${env.gatewayPort} (audit chain signed with key ${auditKey.keyId}, .hoop/audit-signing-key.pem)`);
    services.push(
      await startGatewayService({
        databaseUrl,
        port: env.gatewayPort,
        encryptionKey: secrets.encryptionKey,
        auditSigningKey: `file:${AUDIT_KEY_FILE}`,
        webUrl,
        logDir: LOG_DIR,
        ...(env.gatewayPgPort ? { pgPort: env.gatewayPgPort } : {}),
      }),
    );

    step('starting the local agent');
    const agent = startAgentService({
      gatewayUrl: `ws://127.0.0.1:${env.gatewayPort}`,
      key: agentKey,
      logDir: LOG_DIR,
      env: { [DEMO.targetSecretEnv]: secrets.demoTargetPassword, HOOP_AGENT_DATA_DIR: path.join(HOOP_DIR, 'agent') },
    });
    services.push(agent);
    await waitFor(
      'the agent to come online',
      async () => {
        const a = await db.agent.findFirst({ where: { orgId: demo.orgId, name: DEMO.agentName } });
        return a?.connectedAt ? true : null;
      },
      { service: agent, timeoutMs: 60_000 },
    );
    await db.$disconnect();

    if (!env.noWeb) {
      step(`starting the web app on :${env.webPort} (first start builds it)`);
      // the same key as the gateway: secrets saved in the web app (Slack, webhooks) are opened by the gateway
      // and the audit key's public half, to check the signatures on the audit chain
      const settings = { HOOP_AUDIT_PUBLIC_KEY: `file:${AUDIT_PUBLIC_KEY_FILE}`, ...env.web };
      services.push(
        await startWebService({
          databaseUrl,
          port: env.webPort,
          authSecret: secrets.authSecret,
          gatewayUrl,
          encryptionKey: secrets.encryptionKey,
          logDir: LOG_DIR,
          settings,
        }),
      );
    }

    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const cliToken = demo.cliToken ?? cliFile?.token;
    // a token kept from an earlier start may predate the listener: one use on the API gives it its SCRAM verifier
    if (cliToken && env.gatewayPgPort) await fetch(`${gatewayUrl}/api/me`, { headers: { authorization: `Bearer ${cliToken}` } }).catch(() => undefined);
    const direct = env.gatewayPgPort
      ? `  PGPASSWORD=${cliToken ?? '<a hoop token>'} ` +
        `psql "postgres://${encodeURIComponent(DEMO.adminEmail)}@localhost:${env.gatewayPgPort}/${DEMO.connectionName}?sslmode=require"
                                      ${c.dim}# no local port: the gateway's Postgres listener, a hoop token as the password${c.reset}
`
      : '';
    const mysqlTry = demoMysql.ok
      ? `  npx hoop exec demo-mysql -i "select id, full_name, email from customers limit 5"
  npx hoop connect demo-mysql         ${c.dim}# then: mariadb -h 127.0.0.1 -P 3307 -u demo demo${c.reset}
`
      : '';
    const signOn = env.web.HOOP_OIDC_ISSUER
      ? `OIDC through ${env.web.HOOP_OIDC_ISSUER} (redirect URI ${webUrl}/api/auth/callback/oidc)`
      : `${c.dim}local accounts only (HOOP_OIDC_ISSUER adds single sign-on)${c.reset}`;
    process.stdout.write(`
${c.green}${c.bold}hoop is running${c.reset} ${c.dim}(${secs}s; logs in .hoop/logs)${c.reset}

  web app     ${env.noWeb ? '(not started: --no-web)' : webUrl}
  login       ${DEMO.adminEmail} / ${demo.adminPassword ?? `${c.dim}(printed at the first start; new one: npm run reset-password)${c.reset}`}
  sign-on     ${signOn}
  gateway     ${gatewayUrl}${env.gatewayPgPort ? `, Postgres listener on :${env.gatewayPgPort} (TLS; CA: npx hoop ca)` : ''}
  database    ${env.databaseUrl ? 'DATABASE_URL' : `embedded Postgres on 127.0.0.1:${env.pgPort}`}

Try it, in another terminal from this folder:
  npx hoop connections
  npx hoop exec demo-pg -i "select id, full_name, email, card_number from customers limit 5"
  npx hoop connect demo-pg            ${c.dim}# then: psql "postgres://demo@127.0.0.1:5433/demo?sslmode=disable"${c.reset}
${direct}  npx hoop exec demo-pg -i "ALTER TABLE customers ADD COLUMN note text" --reason "try a review"
                                      ${c.dim}# held for approval: approve it at ${webUrl}/reviews or with \`npx hoop reviews approve ID\`${c.reset}
${mysqlTry}  npx hoop exec demo-shell -i "tail -n 3 logs/app.log"       ${c.dim}# a shell on this machine, output masked${c.reset}
  npx hoop exec demo-shell -i "rm -rf /var/lib/app"          ${c.dim}# refused by a shell guardrail${c.reset}
  npx hoop connect demo-shell         ${c.dim}# then: ssh -p 2222 localhost (an interactive shell, recorded)${c.reset}

Press Ctrl-C to stop everything.
`);
    if (demo.adminPassword) process.stdout.write(`${c.dim}The admin password is shown only this once; keep it.${c.reset}\n`);
    // keep running until Ctrl-C; if a service dies, say so and stop the rest
    const died = await Promise.race(services.map((s) => s.exited.then((code) => ({ s, code }))));
    if (!stopping) {
      process.stderr.write(`\n${died.s.name} stopped unexpectedly (exit ${died.code}); last output:\n${died.s.output().slice(-3000)}\n`);
      await shutdown(1);
    }
  } catch (err) {
    process.stderr.write(`\nnpm start failed: ${(err as Error).message}\n`);
    await shutdown(1);
  }
}

void main();

/** The folder the demo-shell connection works in, with a log that shows output masking. */
async function prepareDemoShell(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const log = path.join(dir, 'logs', 'app.log');
  if (existsSync(log)) return;
  await writeFile(
    log,
    [
      '2026-11-30T09:12:01Z INFO  order 1042 paid by maria.lopez@example.com card 4242 4242 4242 4242',
      '2026-11-30T09:12:07Z WARN  retrying webhook for customer jon.baker@example.org (phone +1 415 555 0134)',
      '2026-11-30T09:12:09Z ERROR payout failed for IBAN DE89 3704 0044 0532 0130 00',
      '2026-11-30T09:13:44Z INFO  health check ok',
      '',
    ].join('\n'),
  );
}
