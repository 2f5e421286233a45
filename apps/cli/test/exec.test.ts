import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  target = await createTargetDatabase('exec');
  await target.query(`CREATE TABLE t (id int, name text, amount numeric)`);
  await target.query(`INSERT INTO t VALUES (1, 'alpha', 10.5), (2, 'beta', null), (10, 'gamma', 3)`);
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-exec', target.url);
  await stack.addPostgresConnection('pg-orphan', target.url, { agentId: null });
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

describe('hoop exec', () => {
  it('prints rows the way psql does', async () => {
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select id, name, amount from t order by id']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [' id | name  | amount', '----+-------+--------', '  1 | alpha |   10.5', '  2 | beta  |', ' 10 | gamma |      3', '(3 rows)', '', ''].join('\n'),
    );
  });

  it('prints json with columns, rows and row count', async () => {
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select id, name from t where id < 3 order by id', '-o', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { columns: { name: string }[]; rows: unknown[][]; rowCount: number };
    expect(json.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(json.rows).toEqual([
      [1, 'alpha'],
      [2, 'beta'],
    ]);
    expect(json.rowCount).toBe(2);
  });

  it('reads SQL from stdin and from a file, and prints command tags', async () => {
    const r = await stack.cli(['exec', 'pg-exec'], { input: "insert into t values (99, 'stdin', 1); update t set amount = 2 where id = 99;" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('INSERT 0 1\nUPDATE 1\n');
    const { writeFile } = await import('node:fs/promises');
    const file = `${stack.configFile}.sql`;
    await writeFile(file, 'delete from t where id = 99');
    const f = await stack.cli(['exec', 'pg-exec', '-f', file]);
    expect(f.stdout).toBe('DELETE 1\n');
  });

  it('exits 1 with the target error', async () => {
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select * from missing_table']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERROR: {2}relation "missing_table" does not exist/);
  });

  it('exits 2 on usage errors and unknown connections, with one clear line', async () => {
    const noArgs = await stack.cli(['exec']);
    expect(noArgs.code).toBe(2);
    const unknown = await stack.cli(['exec', 'nope', '-i', 'select 1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('hoop: connection "nope" does not exist; run `hoop connections` to list yours');
    const badFlag = await stack.cli(['exec', 'pg-exec', '--frobnicate']);
    expect(badFlag.code).toBe(2);
  });

  it('refuses a wrong user token (exit 2) without hanging', async () => {
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select 1'], { env: { HOOP_TOKEN: 'hoop_tok_not-a-real-token' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refused your token/);
    const list = await stack.cli(['connections'], { env: { HOOP_TOKEN: 'hoop_tok_not-a-real-token' } });
    expect(list.code).toBe(2);
  });

  it('exits 5 when the gateway cannot be reached', async () => {
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select 1'], { env: { HOOP_GATEWAY_URL: 'http://127.0.0.1:9', HOOP_TOKEN: stack.adminToken } });
    expect(r.code).toBe(5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach the gateway at http:\/\/127.0.0.1:9/);
  });

  it('lists connections with their agent state', async () => {
    const r = await stack.cli(['connections', '-o', 'json']);
    const list = JSON.parse(r.stdout) as { name: string; online: boolean; agent: string | null }[];
    expect(list.find((c) => c.name === 'pg-exec')).toMatchObject({ agent: 'test-agent', online: true });
    expect(list.find((c) => c.name === 'pg-orphan')).toMatchObject({ agent: null, online: false });
  });

  it('says clearly when a connection has no agent, or its agent is offline (exit 5)', async () => {
    const orphan = await stack.cli(['exec', 'pg-orphan', '-i', 'select 1']);
    expect(orphan.stderr).toMatch(/has no agent assigned/);
    await stack.stopAgent();
    const started = Date.now();
    const r = await stack.cli(['exec', 'pg-exec', '-i', 'select 1']);
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toMatch(/^hoop: agent "test-agent" serving "pg-exec" is offline/);
    expect(Date.now() - started).toBeLessThan(15_000);
    await stack.startAgent();
    const again = await stack.cli(['exec', 'pg-exec', '-i', 'select 42 as answer', '-o', 'json']);
    expect(JSON.parse(again.stdout).rows).toEqual([[42]]);
  });

  it('logs in with a token, checks it against the gateway, and saves it privately', async () => {
    const { mkdtemp, readFile, stat } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = `${await mkdtemp(`${tmpdir()}/hoop-login-`)}/config.json`;
    const ok = await stack.cli(['login', '--gateway', stack.gatewayUrl, '--token', stack.adminToken], { env: { HOOP_CONFIG: file } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^logged in to http:\/\/127\.0\.0\.1:\d+ as admin@test\.local \(admin, org test-[0-9a-f]+\); saved to /);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ gatewayUrl: stack.gatewayUrl, token: stack.adminToken });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const bad = await stack.cli(['login', '--gateway', stack.gatewayUrl, '--token', 'hoop_tok_wrong'], { env: { HOOP_CONFIG: `${file}.2` } });
    expect(bad.code).toBe(2);
    const viaStdin = await stack.cli(['login', '--gateway', stack.gatewayUrl], { env: { HOOP_CONFIG: `${file}.3` }, input: `${stack.adminToken}\n` });
    expect(viaStdin.code).toBe(0);
  });

  it('enforces the access section of the policy per mode and role (exit 3)', async () => {
    const { token } = await stack.addUser({ email: 'dev@test.local', role: 'developer' });
    const policy = await stack.db.policy.create({
      data: { orgId: stack.orgId, name: 'auditors-exec', document: { name: 'auditors-exec', access: { exec: ['auditor'] } } },
    });
    await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name: 'pg-exec' } }, data: { policyId: policy.id } });
    const refused = await stack.cli(['exec', 'pg-exec', '-i', 'select 1'], { env: { HOOP_TOKEN: token } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/policy "auditors-exec" does not let the developer role use exec on "pg-exec" \(allowed: auditor\)/);
    const admin = await stack.cli(['exec', 'pg-exec', '-i', 'select 1']);
    expect(admin.code).toBe(0);
    await stack.db.connection.update({ where: { orgId_name: { orgId: stack.orgId, name: 'pg-exec' } }, data: { policyId: null } });
  });

  it('refuses an agent with a wrong key', async () => {
    const { startAgentService, waitFor } = await import('@hoop/devstack');
    const bad = startAgentService({ gatewayUrl: `ws://127.0.0.1:${stack.gatewayPort}`, key: 'hoop_agent_wrong-key-000000000000' });
    try {
      await waitFor('the refusal to be logged', async () => (/the gateway refused HOOP_AGENT_KEY: the key is wrong/.test(bad.output()) ? true : null), {
        timeoutMs: 20_000,
      });
      const agents = await stack.db.agent.findMany();
      expect(agents).toHaveLength(1);
    } finally {
      await bad.stop();
    }
  });
});
