/**
 * TLS from the agent to a real MariaDB that speaks it (a private one per run, its certificate from a CA made for the
 * run), for each ssl-mode of a MySQL connection, through hoop exec (and hoop connect with mysql2): what is allowed
 * connects over TLS, what must not connect fails with a reason the user can act on.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack } from '@hoop/devstack';
import { startTlsMariadb, type TlsMariadb } from '@hoop/devstack/tls-mariadb';

// needs a MariaDB server program of its own (mariadb-server: npm test installs it as root on Debian; a MySQL at 3306
// alone, as on CI, has none) and openssl for its CA: where either is missing, or the server will not start, the tests
// are skipped with the reason in their name; a CA or certificate that cannot be made fails them
const started = await startTlsMariadb({ names: ['localhost'] });
const server: TlsMariadb | null = 'missing' in started ? null : started;
const PASSWORD = 'tls-Pw-4u';

let stack: TestStack;

beforeAll(async () => {
  if (!server) return;
  server.sql(`CREATE DATABASE shop; CREATE TABLE shop.customers (id int PRIMARY KEY, email varchar(80));
    INSERT INTO shop.customers VALUES (1, 'ann@example.com');
    CREATE USER 'tls_only'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL; GRANT SELECT ON shop.* TO 'tls_only'@'%';
    CREATE USER 'plain'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT SELECT ON shop.* TO 'plain'@'%';`);
  stack = await startTestStack();
  const add = (name: string, o: { host?: string; user?: string; sslMode: string; sslCa?: string }) =>
    stack.addConnection(
      name,
      'mysql',
      { host: o.host ?? '127.0.0.1', port: server.port, user: o.user ?? 'tls_only', database: 'shop', sslMode: o.sslMode, sslCa: o.sslCa },
      PASSWORD,
    );
  await add('my-required', { sslMode: 'required' });
  await add('my-preferred', { sslMode: 'preferred' });
  await add('my-verify-ca', { sslMode: 'verify-ca', sslCa: server.ca });
  await add('my-verify-ca-wrong', { sslMode: 'verify-ca', sslCa: server.otherCa });
  await add('my-verify-ca-system', { sslMode: 'verify-ca' });
  await add('my-identity', { host: 'localhost', sslMode: 'verify-identity', sslCa: server.ca });
  await add('my-identity-ip', { host: '127.0.0.1', sslMode: 'verify-identity', sslCa: server.ca });
  await add('my-disabled', { sslMode: 'disabled' });
  await add('my-disabled-plain', { user: 'plain', sslMode: 'disabled' });
  await stack.startAgent();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

/** the session's TLS version as the server sees it ('' for none), through hoop exec on `connection` */
const tlsVersion = (connection: string) => stack.cli(['exec', connection, '-o', 'json', '-i', "SHOW SESSION STATUS LIKE 'Ssl_version'"]);
const versionOf = (stdout: string) => (JSON.parse(stdout) as { rows: string[][] }).rows[0]?.[1];

describe.skipIf(!server)(`ssl-mode against a MariaDB that speaks TLS${'missing' in started ? ` (left out: ${started.missing})` : ''}`, () => {
  it('required and preferred connect over TLS; rows come back masked', async () => {
    for (const c of ['my-required', 'my-preferred']) {
      const r = await tlsVersion(c);
      expect(r.stderr).toBe('');
      expect(versionOf(r.stdout)).toMatch(/^TLSv1\.[23]$/);
    }
    const rows = await stack.cli(['exec', 'my-required', '-o', 'json', '-i', 'SELECT id, email FROM customers']);
    expect(JSON.parse(rows.stdout)).toMatchObject({ rows: [[1, '[EMAIL]']] });
  });

  it('verify-ca connects with the CA that signed the server certificate, and fails clearly with another or none', async () => {
    const ok = await tlsVersion('my-verify-ca');
    expect(ok.stderr).toBe('');
    expect(versionOf(ok.stdout)).toMatch(/^TLSv1\.[23]$/);
    // same subject, other key: the signature does not verify
    const wrong = await tlsVersion('my-verify-ca-wrong');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/could not log in to the target: TLS to 127\.0\.0\.1 failed: self-signed certificate in certificate chain/);
    expect(wrong.stdout).toBe('');
    // the system's CAs do not know the run's own
    const system = await tlsVersion('my-verify-ca-system');
    expect(system.code).not.toBe(0);
    expect(system.stderr).toMatch(/TLS to 127\.0\.0\.1 failed: .*(unable to (verify|get local issuer)|self-signed)/i);
  });

  it('verify-identity checks the host name: the name on the certificate connects, an address it does not carry fails', async () => {
    const ok = await tlsVersion('my-identity');
    expect(ok.stderr).toBe('');
    expect(versionOf(ok.stdout)).toMatch(/^TLSv1\.[23]$/);
    const ip = await tlsVersion('my-identity-ip');
    expect(ip.code).not.toBe(0);
    expect(ip.stderr).toMatch(/TLS to 127\.0\.0\.1 failed: .*(IP: 127\.0\.0\.1 is not in the cert's list|does not match)/i);
  });

  it('disabled talks plain text: a user the server holds to TLS is refused, one it does not is served without TLS', async () => {
    const refused = await tlsVersion('my-disabled');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/could not log in to the target: the target refused the login: Access denied for user 'tls_only'/);
    const plain = await tlsVersion('my-disabled-plain');
    expect(plain.stderr).toBe('');
    expect(versionOf(plain.stdout)).toBe('');
  });

  it('disabled against a server that requires secure transport for everyone fails with its refusal; TLS still gets in', async () => {
    server!.sql('SET GLOBAL require_secure_transport = ON');
    try {
      const r = await tlsVersion('my-disabled-plain');
      expect(r.code).not.toBe(0);
      // (MariaDB answers plain text under require_secure_transport as it answers a wrong password)
      expect(r.stderr).toMatch(/could not log in to the target: the target refused the login: Access denied for user 'plain'.*\(1045, 28000\)/);
      // TLS still gets in
      expect(versionOf((await tlsVersion('my-required')).stdout)).toMatch(/^TLSv1\.[23]$/);
    } finally {
      server!.sql('SET GLOBAL require_secure_transport = OFF');
    }
  });

  it('hoop connect with mysql2 reaches the TLS-only user through verify-identity', async () => {
    const conn = await stack.connect('my-identity');
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port: conn.port, user: 'me', password: conn.password ?? 'any', database: 'shop' });
      try {
        const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
        expect((rows as { Value: string }[])[0]?.Value).not.toBe('');
        const [customers] = await c.query('SELECT email FROM customers');
        expect(customers).toEqual([{ email: '[EMAIL]' }]);
      } finally {
        await c.end();
      }
    } finally {
      await conn.stop();
    }
  });
});
