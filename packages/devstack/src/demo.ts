import pg from 'pg';
import { type Db, generateSecret, hashSecret, secretPrefix } from '@hoop/db';
import { seedAgent, seedApiToken, seedConnection, seedOrg, seedUser } from '@hoop/db/testing';
import { demoCustomers } from './demo-data';

export const DEMO = {
  orgSlug: 'demo',
  adminEmail: 'admin@hoop.local',
  agentName: 'demo-agent',
  connectionName: 'demo-pg',
  shellConnectionName: 'demo-shell',
  targetDatabase: 'demo',
  targetUser: 'hoop_demo',
  /** the agent resolves the target password from its own environment */
  targetSecretEnv: 'HOOP_DEMO_PG_PASSWORD',
} as const;

const DEMO_POLICY = {
  name: 'demo',
  version: 1,
  description: 'Demo: the built-in guardrails and masking, and schema changes held for approval.',
  connections: { names: [DEMO.connectionName], tags: [] },
  guardrails: {
    builtins: {},
    rules: [
      {
        id: 'schema-change',
        action: 'review',
        message: "schema changes on demo-pg need a reviewer's approval",
        match: { commands: ['ALTER TABLE', 'CREATE INDEX', 'CREATE TABLE'] },
      },
    ],
  },
  review: { allowSelfApproval: true, timeoutMinutes: 30 },
};

export interface DemoState {
  orgId: string;
  /** set only when the admin was created now: shown once */
  adminPassword?: string;
  /** set when a new agent key was issued (first run, or the local copy was lost) */
  agentKey?: string;
  /** set when a new CLI token was issued */
  cliToken?: string;
}

export interface DemoOptions {
  /** URL of a database on the server that will also hold the demo target database */
  serverUrl: string;
  /** password for the demo target role */
  targetPassword: string;
  needAgentKey: boolean;
  needCliToken: boolean;
  /** working folder of the demo-shell command connection (bash on the agent host) */
  shellDir?: string;
}

/** Idempotent: creates what is missing and leaves what exists (so a second start keeps the data). */
export async function ensureDemo(db: Db, opts: DemoOptions): Promise<DemoState> {
  const state: DemoState = { orgId: '' };
  const org = (await db.org.findUnique({ where: { slug: DEMO.orgSlug } })) ?? (await seedOrg(db, { name: 'Demo', slug: DEMO.orgSlug }));
  state.orgId = org.id;

  let admin = await db.user.findUnique({ where: { orgId_email: { orgId: org.id, email: DEMO.adminEmail } } });
  if (!admin) {
    state.adminPassword = generateSecret('demo').slice(5, 21);
    admin = await seedUser(db, org.id, { email: DEMO.adminEmail, name: 'Demo Admin', role: 'admin', password: state.adminPassword });
  }

  let agent = await db.agent.findUnique({ where: { orgId_name: { orgId: org.id, name: DEMO.agentName } } });
  if (!agent) {
    const created = await seedAgent(db, org.id, { name: DEMO.agentName });
    agent = created.agent;
    state.agentKey = created.key;
  } else if (opts.needAgentKey) {
    const key = generateSecret('hoop_agent');
    await db.agent.update({ where: { id: agent.id }, data: { keyHash: hashSecret(key), keyPrefix: secretPrefix(key) } });
    state.agentKey = key;
  }

  const target = new URL(opts.serverUrl);
  await ensureTargetDatabase(opts.serverUrl, opts.targetPassword);
  const config = { host: target.hostname, port: Number(target.port || 5432), database: DEMO.targetDatabase, user: DEMO.targetUser, sslmode: 'disable' };
  const existing = await db.connection.findUnique({ where: { orgId_name: { orgId: org.id, name: DEMO.connectionName } } });
  if (!existing) {
    await seedConnection(db, org.id, {
      name: DEMO.connectionName,
      type: 'postgres',
      agentId: agent.id,
      config,
      secretRef: `env:${DEMO.targetSecretEnv}`,
      tags: ['demo', 'postgres'],
    });
  } else {
    await db.connection.update({ where: { id: existing.id }, data: { config } });
  }

  if (opts.shellDir) {
    const shellConfig = { shell: ['bash', '--noprofile', '--norc', '-i'], exec: ['bash', '--noprofile', '--norc', '-c', '{}'], cwd: opts.shellDir };
    const shell = await db.connection.findUnique({ where: { orgId_name: { orgId: org.id, name: DEMO.shellConnectionName } } });
    if (!shell) {
      await seedConnection(db, org.id, { name: DEMO.shellConnectionName, type: 'command', agentId: agent.id, config: shellConfig, tags: ['demo', 'shell'] });
    } else {
      await db.connection.update({ where: { id: shell.id }, data: { config: shellConfig } });
    }
  }

  // a policy for the demo connection: schema changes wait for a reviewer. The demo admin may approve their own requests
  // so one person can try the whole flow; real policies keep self-approval off (the default).
  const conn = await db.connection.findUnique({ where: { orgId_name: { orgId: org.id, name: DEMO.connectionName } } });
  if (conn && !conn.policyId) {
    const policy =
      (await db.policy.findUnique({ where: { orgId_name: { orgId: org.id, name: 'demo' } } })) ??
      (await db.policy.create({ data: { orgId: org.id, name: 'demo', document: DEMO_POLICY } }));
    await db.connection.update({ where: { id: conn.id }, data: { policyId: policy.id } });
  }

  if (opts.needCliToken) {
    state.cliToken = (await seedApiToken(db, admin.id, { name: 'local cli (npm start)' })).token;
  }
  return state;
}

/** Creates the `demo` database with a `customers` table full of fake PII, and a login role for the agent. */
async function ensureTargetDatabase(serverUrl: string, password: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DEMO.targetUser]);
    const lit = password.replace(/'/g, "''");
    if (role.rowCount === 0) await admin.query(`CREATE ROLE ${DEMO.targetUser} LOGIN PASSWORD '${lit}'`);
    else await admin.query(`ALTER ROLE ${DEMO.targetUser} LOGIN PASSWORD '${lit}'`);
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DEMO.targetDatabase]);
    if (db.rowCount === 0) await admin.query(`CREATE DATABASE ${DEMO.targetDatabase} OWNER ${DEMO.targetUser}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${DEMO.targetDatabase}`;
  u.username = DEMO.targetUser;
  u.password = password;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    const t = await c.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'customers'");
    if (t.rowCount && t.rowCount > 0) return;
    await c.query(`CREATE TABLE customers (
      id serial PRIMARY KEY, full_name text NOT NULL, email text NOT NULL, phone text, card_number text, ssn text,
      iban text, address text, date_of_birth date, ip_address inet, notes text, plan text NOT NULL,
      balance_cents bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())`);
    const rows = demoCustomers(500);
    const cols = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
    for (let i = 0; i < rows.length; i += 100) {
      const batch = rows.slice(i, i + 100);
      const values: unknown[] = [];
      const tuples = batch.map(
        (row, j) =>
          `(${cols
            .map((col, k) => {
              values.push(row[col]);
              return `$${j * cols.length + k + 1}`;
            })
            .join(', ')})`,
      );
      await c.query(`INSERT INTO customers (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, values);
    }
  } finally {
    await c.end();
  }
}
