import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type TestStack, startTestStack } from '@hoop/devstack';
import { type EmbeddedHandle, startEmbeddedPostgres } from '@hoop/devstack/embedded-postgres';

/**
 * The agent logs into real targets with SCRAM-SHA-256, MD5 and cleartext passwords, and over TLS when sslmode asks
 * for it. The target is an embedded Postgres whose pg_hba.conf pins one method per role.
 */
let server: EmbeddedHandle;
let stack: TestStack;
let port: number;
const PASSWORD = 'S3cret pass, with spaces & ünïcode';

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hoop-auth-'));
  port = await freePort();
  server = await startEmbeddedPostgres({ dir, port, password: 'admin-pw' });
  const admin = new pg.Client({ connectionString: server.url('postgres') });
  await admin.connect();
  const dataDir = (await admin.query<{ data_directory: string }>('SHOW data_directory')).rows[0]!.data_directory;
  // a self-signed certificate so the server can speak TLS
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      path.join(dataDir, 'server.key'),
      '-out',
      path.join(dataDir, 'server.crt'),
    ],
    { stdio: 'ignore' },
  );
  chmodSync(path.join(dataDir, 'server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(path.join(dataDir, 'server.key'), uid, gid);
    chownSync(path.join(dataDir, 'server.crt'), uid, gid);
  }
  writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    [
      'local all all trust',
      'host all scram_user 127.0.0.1/32 scram-sha-256',
      'host all md5_user 127.0.0.1/32 md5',
      'host all clear_user 127.0.0.1/32 password',
      'hostssl all tls_user 127.0.0.1/32 scram-sha-256',
      'hostnossl all tls_user 127.0.0.1/32 reject',
      'host all postgres 127.0.0.1/32 scram-sha-256',
    ].join('\n'),
  );
  await admin.query('ALTER SYSTEM SET ssl = on');
  await admin.query("SET password_encryption = 'md5'");
  await admin.query(`CREATE ROLE md5_user LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
  await admin.query("SET password_encryption = 'scram-sha-256'");
  for (const r of ['scram_user', 'clear_user', 'tls_user']) await admin.query(`CREATE ROLE ${r} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
  await admin.query('SELECT pg_reload_conf()');
  await admin.end();
  await new Promise((r) => setTimeout(r, 500));

  stack = await startTestStack();
  const url = (user: string, pw = PASSWORD, sslmode = 'disable') =>
    `postgres://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres?sslmode=${sslmode}`;
  await stack.addPostgresConnection('scram', url('scram_user'));
  await stack.addPostgresConnection('md5', url('md5_user'));
  await stack.addPostgresConnection('cleartext', url('clear_user'));
  await stack.addPostgresConnection('tls', url('tls_user', PASSWORD, 'require'));
  await stack.addPostgresConnection('tls-refused', url('tls_user', PASSWORD, 'disable'));
  await stack.addPostgresConnection('wrong-password', url('scram_user', 'not the password'));
  // a secret typed into the control plane: sealed with the gateway's key, opened only for the serving agent
  await stack.addPostgresConnection('stored', url('scram_user'), { sealed: true });
  await stack.addPostgresConnection('stored-wrong', url('scram_user', 'nope'), { sealed: true });
  await stack.startAgent();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

describe('logging into the target', () => {
  it.each(['scram', 'md5', 'cleartext'])('works with %s passwords', async (name) => {
    const r = await stack.cli(['exec', name, '-i', 'select current_user', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).rows[0][0]).toBe(`${name === 'scram' ? 'scram' : name === 'md5' ? 'md5' : 'clear'}_user`);
  });

  it('logs in with a secret stored sealed in the control plane', async () => {
    const r = await stack.cli(['exec', 'stored', '-i', 'select current_user', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).rows[0][0]).toBe('scram_user');
    const raw = await stack.db.connection.findFirst({ where: { name: 'stored' } });
    expect(raw?.secretEncrypted).not.toContain(PASSWORD);
    const wrong = await stack.cli(['exec', 'stored-wrong', '-i', 'select 1']);
    expect(wrong.stderr).toMatch(/password authentication failed/);
  });

  it('uses TLS when sslmode=require', async () => {
    const r = await stack.cli(['exec', 'tls', '-i', 'select ssl from pg_stat_ssl where pid = pg_backend_pid()', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).rows[0][0]).toBe(true);
  });

  it('reports a refused login in one clear line', async () => {
    const wrong = await stack.cli(['exec', 'wrong-password', '-i', 'select 1']);
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/the target refused the login: password authentication failed for user "scram_user"/);
    const noTls = await stack.cli(['exec', 'tls-refused', '-i', 'select 1']);
    expect(noTls.code).toBe(5);
    expect(noTls.stderr).toMatch(/no encryption|pg_hba\.conf rejects/);
  });
});
