import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, runProcess, startGatewayService, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';
import { generateServerTls, issuedBy } from '@hoop/pgfront';

// A new HOOP_PUBLIC_HOST gets a new server certificate from the CA the gateways already keep: clients that verify
// that CA (sslmode=verify-full) reach the new name without being given anything new.

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');
let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let dir: string;

beforeAll(async () => {
  target = await createTargetDatabase('pglca');
  stack = await startTestStack({ gatewayEnv: { HOOP_PUBLIC_HOST: 'one.hoop.test' } });
  await stack.addPostgresConnection('ca-pg', target.url);
  await stack.startAgent();
  dir = mkdtempSync(path.join(tmpdir(), 'hoop-pglca-'));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function listenerCa(): Promise<string> {
  const res = await fetch(`${stack.gatewayUrl}/api/pg-listener`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  return ((await res.json()) as { caCert: string }).caCert;
}

/** The gateway started again, on the same port and database, with another public host name. */
async function restartGateway(publicHost: string) {
  await stack.gateway.stop();
  stack.gateway = await startGatewayService({
    databaseUrl: stack.dbUrl,
    port: stack.gatewayPort,
    encryptionKey: stack.encryptionKey,
    auditSigningKey: stack.auditKey?.signingKey,
    webUrl: 'http://localhost:3999',
    pgPort: stack.pgPort,
    env: { HOOP_PUBLIC_HOST: publicHost },
  });
}

function caFile(name: string, pem: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, pem);
  return f;
}

/** psql with sslmode=verify-full against `rootcert`, asking for the listener by `host` (it resolves to 127.0.0.1). */
const psqlVerifyFull = (host: string, rootcert: string) =>
  runProcess(
    'psql',
    [
      `postgres://${encodeURIComponent('admin@test.local')}@${host}:${stack.pgPort}/ca-pg?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=${rootcert}`,
      '-X',
      '-w',
      '-At',
      '-c',
      'select 40 + 2',
    ],
    { env: { PGCONNECT_TIMEOUT: '10', PGPASSWORD: stack.adminToken } },
  );

/** node-postgres verifying the listener's certificate against `ca` for the name `servername`; the answer or the error. */
async function nodePgVerify(servername: string, ca: string): Promise<string> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: stack.pgPort,
    user: 'admin@test.local',
    password: stack.adminToken,
    database: 'ca-pg',
    ssl: { ca, servername },
  });
  try {
    await c.connect();
    return String((await c.query('select 40 + 2 as n')).rows[0].n);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

describe('the Postgres listener certificate when the public host changes', () => {
  it.skipIf(noPsql)('keeps the CA: a new server certificate signed by it names the new host, and verify-full clients keep working', async () => {
    const ca = await listenerCa();
    const rootcert = caFile('ca.pem', ca);
    expect((await psqlVerifyFull('one.hoop.test', rootcert)).stdout.trim()).toBe('42');
    // the new name is not on the first certificate
    const before = await psqlVerifyFull('two.hoop.test', rootcert);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/does not match host name "two\.hoop\.test"/);
    const first = await stack.db.gatewayCertificate.findUniqueOrThrow({ where: { name: 'pg-listener' } });

    await restartGateway('two.hoop.test');
    expect(await listenerCa()).toBe(ca);
    const row = await stack.db.gatewayCertificate.findUniqueOrThrow({ where: { name: 'pg-listener' } });
    expect(row.caCert).toBe(first.caCert);
    expect(row.cert).not.toBe(first.cert);
    expect(issuedBy(row.cert, ca)).toBe(true);
    expect(row.hostNames).toEqual(expect.arrayContaining(['one.hoop.test', 'two.hoop.test', 'localhost', '127.0.0.1']));
    expect(row.keySealed).not.toContain('PRIVATE KEY');
    expect(row.caKeySealed).not.toContain('PRIVATE KEY');

    // the agent finds the gateway again; then the old CA file verifies the new name, and the old name still
    const r = await waitFor('a verify-full query through the restarted gateway', async () => {
      const got = await psqlVerifyFull('two.hoop.test', rootcert);
      return got.code === 0 ? got : /does not match|certificate/.test(got.stderr) ? got : null;
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('42');
    expect((await psqlVerifyFull('one.hoop.test', rootcert)).stdout.trim()).toBe('42');
    expect(await nodePgVerify('two.hoop.test', ca)).toBe('42');

    // a CA the listener's certificate does not come from is refused, and a name it does not carry
    const other = await generateServerTls(['two.hoop.test']);
    expect(await nodePgVerify('two.hoop.test', other.caCert)).toMatch(/error: .*(signature failure|self-signed|unable to verify|issuer)/i);
    expect(await nodePgVerify('three.hoop.test', ca)).toMatch(/error: .*three\.hoop\.test/);
    const wrong = await psqlVerifyFull('two.hoop.test', caFile('other-ca.pem', other.caCert));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/SSL error|certificate verify failed/);
  });

  it('makes a new CA only when the kept one has no key (a row from before keys were kept), and then keeps that one', async () => {
    const old = await stack.db.gatewayCertificate.findUniqueOrThrow({ where: { name: 'pg-listener' } });
    await stack.db.gatewayCertificate.update({ where: { name: 'pg-listener' }, data: { caKeySealed: null } });
    await restartGateway('three.hoop.test');
    const renewed = await listenerCa();
    expect(renewed).not.toBe(old.caCert);
    await restartGateway('four.hoop.test');
    expect(await listenerCa()).toBe(renewed);
    const row = await stack.db.gatewayCertificate.findUniqueOrThrow({ where: { name: 'pg-listener' } });
    expect(row.hostNames).toEqual(expect.arrayContaining(['three.hoop.test', 'four.hoop.test', 'two.hoop.test']));
    expect(issuedBy(row.cert, renewed)).toBe(true);
    expect(issuedBy(row.cert, old.caCert)).toBe(false);
  });
});
