/** The demo-mysql connection `npm start` adds, against the local MariaDB (its own database and login per run). */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedOrg, type TestDatabase, testServerUrl } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoMysql } from './demo-mysql';

const PORT = Number(process.env.HOOP_TEST_MYSQL_PORT ?? 3306);

const suffix = randomBytes(4).toString('hex');
const names = { database: `hoop_demo_${suffix}`, user: `hoop_demo_${suffix}`, connectionName: 'demo-mysql' };
const asRoot = (sql: string) => execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(PORT), '-uroot', '-N', '-e', sql], { encoding: 'utf8' });
let database: TestDatabase;
let db: Db;
let orgId: string;
let agentId: string;

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'demo_mysql');
  db = createDb(database.url, { max: 2 });
  orgId = (await seedOrg(db, { name: 'Demo' })).id;
  agentId = (await seedAgent(db, orgId, { name: 'demo-agent' })).agent.id;
});
afterAll(async () => {
  asRoot(`DROP DATABASE IF EXISTS ${names.database}; DROP USER IF EXISTS '${names.user}'@'%', '${names.user}'@'localhost'`);
  await db?.$disconnect();
  await database?.drop();
});

describe('the demo-mysql connection', () => {
  it('is a database of fake customers with a login for the agent, and a connection to it; a second run keeps it', async () => {
    const o = { url: `mysql://root@127.0.0.1:${PORT}`, orgId, agentId, password: `pw-${suffix}`, secretEnv: 'HOOP_DEMO_PG_PASSWORD', ...names };
    expect(await ensureDemoMysql(db, o)).toEqual({ ok: true, target: `127.0.0.1:${PORT}` });
    expect(await ensureDemoMysql(db, o)).toMatchObject({ ok: true });
    const login = execFileSync(
      'mariadb',
      ['-h', '127.0.0.1', '-P', String(PORT), `-u${names.user}`, `-p${o.password}`, '-N', names.database, '-e', 'SELECT COUNT(*) FROM customers'],
      {
        encoding: 'utf8',
      },
    );
    expect(login.trim()).toBe('500');
    const conn = await db.connection.findFirstOrThrow({ where: { orgId, name: 'demo-mysql' } });
    expect(conn).toMatchObject({ type: 'mysql', secretRef: 'env:HOOP_DEMO_PG_PASSWORD', agentId });
    expect(conn.config).toEqual({ host: '127.0.0.1', port: PORT, database: names.database, user: names.user, sslMode: 'preferred' });
  });

  it('says so when no server answers, and adds nothing', async () => {
    const r = await ensureDemoMysql(db, { url: 'mysql://root@127.0.0.1:1', orgId, agentId, password: 'x', secretEnv: 'X', connectionName: 'demo-mysql-2' });
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^no MySQL\/MariaDB answered at 127\.0\.0\.1:1 \(/) });
    expect(await db.connection.count({ where: { orgId, name: 'demo-mysql-2' } })).toBe(0);
  });
});
