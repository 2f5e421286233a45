import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, freePort, psql, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');
/** the local port's password, given rather than made per run: the URL is needed before hoop connect is ready */
const PASSWORD = 'access-test-password';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
const tokens: Record<string, string> = {};

const POLICY = {
  name: 'jit',
  connections: { names: ['pg-jit'] },
  review: { approvers: { roles: ['reviewer'] }, access: { required: true, defaultMinutes: 30, maxMinutes: 60 } },
};

beforeAll(async () => {
  target = await createTargetDatabase('jit');
  await target.query('create table t (id int); insert into t values (1)');
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-jit', target.url);
  for (const [name, role] of [
    ['dev', 'developer'],
    ['rita', 'reviewer'],
  ] as const) {
    tokens[name] = (await stack.addUser({ email: `${name}@test.local`, role })).token;
  }
  await stack.startAgent();
  const file = `${stack.configFile}.jit.json`;
  await writeFile(file, JSON.stringify(POLICY));
  expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

async function pendingAccess() {
  return waitFor('a pending access request', async () => (await stack.db.review.findFirst({ where: { kind: 'access', status: 'pending' } })) ?? null);
}

describe('time-boxed access for hoop connect', () => {
  it('refuses a longer grant than the policy allows', async () => {
    const port = await freePort();
    const r = await stack.cli(['connect', 'pg-jit', '--port', String(port), '--duration', '2h'], {
      env: { HOOP_TOKEN: tokens.dev!, HOOP_GATEWAY_URL: stack.gatewayUrl },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('policy "jit" grants at most 60 minutes on "pg-jit"');
  });

  it.skipIf(noPsql)('waits for approval, then serves sessions until the grant ends; a revoked grant ends its sessions', async () => {
    const port = await freePort();
    const connect = stack.spawnCli(['connect', 'pg-jit', '--port', String(port), '--duration', '45m', '--reason', 'incident 7', '--password', PASSWORD], {
      token: tokens.dev,
    });
    const review = await pendingAccess();
    expect(review).toMatchObject({ durationMinutes: 45, reason: 'incident 7', mode: 'connect' });
    await waitFor('the waiting line', async () =>
      connect.output().includes(`waiting for approval: http://localhost:3999/reviews/${review.id}`) ? true : null,
    );
    const url = `postgres://x:${PASSWORD}@127.0.0.1:${port}/pg-jit?sslmode=disable`;
    expect((await psql(url, ['-c', 'select 1'])).code).not.toBe(0);

    const selfApprove = await stack.cli(['reviews', 'approve', review.id], { env: { HOOP_TOKEN: tokens.dev!, HOOP_GATEWAY_URL: stack.gatewayUrl } });
    expect(selfApprove.code).toBe(3);
    const ok = await stack.cli(['reviews', 'approve', review.id], { env: { HOOP_TOKEN: tokens.rita!, HOOP_GATEWAY_URL: stack.gatewayUrl } });
    expect(ok.code, ok.stderr).toBe(0);
    await waitFor('hoop connect to be ready', async () => (connect.output().includes('ready:') ? true : null));
    expect(connect.output()).toMatch(/access granted until \d{4}-\d\d-\d\dT/);
    const grant = await stack.db.review.findUniqueOrThrow({ where: { id: review.id } });
    expect(grant.grantExpiresAt!.getTime() - grant.decidedAt!.getTime()).toBe(45 * 60_000);
    const q = await psql(url, ['-At', '-c', 'select count(*) from t']);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim()).toBe('1');

    // the grant is about to end: a session open at that moment is ended, and new ones are refused
    await stack.db.review.update({ where: { id: review.id }, data: { grantExpiresAt: new Date(Date.now() + 4000) } });
    const started = Date.now();
    const long = await psql(url, ['-c', 'select pg_sleep(30)'], { timeoutMs: 40_000 });
    expect(long.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    // hoop connect reports it as its session closes, which psql may notice first
    await waitFor('the grant end to be reported', async () => (/session ended: the access grant ended at/.test(connect.output()) ? true : null));
    const after = await psql(url, ['-c', 'select 1']);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('needs an approved access request');

    // a second grant, revoked by an admin while a session runs
    connect.kill('SIGTERM');
    await connect.done;
    const port2 = await freePort();
    const again = stack.spawnCli(['connect', 'pg-jit', '--port', String(port2), '--password', PASSWORD], { token: tokens.dev });
    const second = await pendingAccess();
    expect(second.durationMinutes).toBe(30);
    expect((await stack.cli(['reviews', 'approve', second.id], { env: { HOOP_TOKEN: tokens.rita!, HOOP_GATEWAY_URL: stack.gatewayUrl } })).code).toBe(0);
    await waitFor('hoop connect to be ready again', async () => (again.output().includes('ready:') ? true : null));
    const url2 = `postgres://x:${PASSWORD}@127.0.0.1:${port2}/pg-jit?sslmode=disable`;
    // told apart from the first grant's pg_sleep, which the target may still be running
    const running = psql(url2, ['-c', "select 'second grant', pg_sleep(30)"], { timeoutMs: 40_000 });
    // running on the target, the session is past its opening (its row exists a moment before the gateway holds it under the grant)
    await waitFor('the session to run its query', async () =>
      (
        await target.query("select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query = $1", [
          "select 'second grant', pg_sleep(30)",
        ])
      ).rowCount
        ? true
        : null,
    );
    const revoked = await stack.cli(['reviews', 'revoke', second.id, '--comment', 'incident over']);
    expect(revoked.code, revoked.stderr).toBe(0);
    const ended = await running;
    expect(ended.code).not.toBe(0);
    await waitFor('the revocation to be reported', async () => (again.output().includes('session ended: the access grant was revoked') ? true : null));
    again.kill('SIGTERM');
  });
});
