import type { Db } from '@hoop/db';
import { seedConnection } from '@hoop/db/testing';
import mysql from 'mysql2/promise';
import { demoCustomers } from './demo-data';

/** The MySQL/MariaDB `npm start` looks for when HOOP_DEMO_MYSQL_URL does not name one: the local one, as root. */
export const DEFAULT_DEMO_MYSQL_URL = 'mysql://root@127.0.0.1:3306';

export interface DemoMysqlOptions {
  /** a MySQL/MariaDB account that may create a database and a user (HOOP_DEMO_MYSQL_URL) */
  url: string;
  orgId: string;
  agentId: string;
  /** the password of the demo login; the agent reads it from `secretEnv` */
  password: string;
  secretEnv: string;
  connectionName?: string;
  database?: string;
  user?: string;
}

/**
 * The `demo-mysql` connection: a `demo` database on the MySQL/MariaDB at `url` with the same fake customers as
 * demo-pg, a login of its own for the agent, and the connection. Idempotent, like ensureDemo. When no server answers,
 * says why and changes nothing (`npm start` goes on without it).
 */
export async function ensureDemoMysql(db: Db, o: DemoMysqlOptions): Promise<{ ok: true; target: string } | { ok: false; reason: string }> {
  const name = o.connectionName ?? 'demo-mysql';
  const database = o.database ?? 'demo';
  const user = o.user ?? 'hoop_demo';
  const u = new URL(o.url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 3306);
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({
      host,
      port,
      user: decodeURIComponent(u.username || 'root'),
      password: decodeURIComponent(u.password),
      connectTimeout: 3000,
      multipleStatements: true,
    });
  } catch (err) {
    return { ok: false, reason: `no MySQL/MariaDB answered at ${host}:${port} (${(err as Error).message})` };
  }
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    // '%' for an agent elsewhere, 'localhost' so an anonymous local account does not shadow it on the same host
    for (const from of ['%', 'localhost']) {
      await admin.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, from, o.password]);
      await admin.query('ALTER USER ?@? IDENTIFIED BY ?', [user, from, o.password]);
      await admin.query(`GRANT ALL ON \`${database}\`.* TO ?@?`, [user, from]);
    }
    await admin.query(`CREATE TABLE IF NOT EXISTS \`${database}\`.customers (
      id int AUTO_INCREMENT PRIMARY KEY, full_name varchar(100) NOT NULL, email varchar(200) NOT NULL, phone varchar(40),
      card_number varchar(40), ssn varchar(20), iban varchar(40), address varchar(200), date_of_birth date,
      ip_address varchar(45), notes text, plan varchar(20) NOT NULL, balance_cents bigint NOT NULL DEFAULT 0,
      created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
    const [[count]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${database}\`.customers`)) as [{ n: number }[], unknown];
    if (Number(count?.n ?? 0) === 0) {
      const rows = demoCustomers(500);
      const cols = Object.keys(rows[0]!) as (keyof (typeof rows)[number])[];
      await admin.query(`INSERT INTO \`${database}\`.customers (${cols.join(', ')}) VALUES ?`, [rows.map((r) => cols.map((c) => r[c]))]);
    }
  } finally {
    await admin.end();
  }
  const config = { host, port, database, user, sslMode: 'preferred' };
  const existing = await db.connection.findUnique({ where: { orgId_name: { orgId: o.orgId, name } } });
  if (!existing)
    await seedConnection(db, o.orgId, { name, type: 'mysql', agentId: o.agentId, config, secretRef: `env:${o.secretEnv}`, tags: ['demo', 'mysql'] });
  else await db.connection.update({ where: { id: existing.id }, data: { config } });
  return { ok: true, target: `${host}:${port}` };
}
