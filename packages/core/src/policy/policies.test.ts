import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigListener, listenForConfig } from '../notify-fixtures';
import { deletePolicy } from './delete-policy';
import { getPolicy } from './get-policy';
import { listPolicies } from './list-policies';
import { savePolicy } from './save-policy';
import { testPolicy } from './test-policy';
import { validatePolicy } from './validate-policy';
import { refusal } from '../refusal';

let database: TestDatabase;
let db: Db;
let listener: ConfigListener;
const orgs = { acme: '', other: '' };
const conns = { prod: '', ro: '', shell: '', psql: '' };

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_policies');
  db = createDb(database.url, { max: 2 });
  listener = await listenForConfig(database.url);
  orgs.acme = (await seedOrg(db, { name: 'Acme' })).id;
  orgs.other = (await seedOrg(db, { name: 'Other' })).id;
  conns.prod = (await seedConnection(db, orgs.acme, { name: 'pg-prod', tags: ['prod'] })).id;
  conns.ro = (await seedConnection(db, orgs.acme, { name: 'pg-replica', tags: ['prod', 'replica'], readOnly: true })).id;
  conns.shell = (await seedConnection(db, orgs.acme, { name: 'web-1', type: 'ssh', config: { host: 'web-1', user: 'deploy' } })).id;
  conns.psql = (await seedConnection(db, orgs.acme, { name: 'psql-cli', type: 'command', config: { shell: ['psql'], guard: 'sql' } })).id;
  await seedConnection(db, orgs.other, { name: 'their-prod', tags: ['prod'] });
});

afterAll(async () => {
  await listener?.stop();
  await db?.$disconnect();
  await database?.drop();
});

describe('validation', () => {
  it('reports every problem with its path, as the agents’ schema sees it', async () => {
    const r = await validatePolicy({
      document: {
        name: 'prod',
        review: { minApprovals: 0, approvers: { users: ['not-an-email'] } },
        guardrails: { builtins: { drop: { action: 'explode' } }, rules: [{ id: 'Bad Id', action: 'deny', match: {} }] },
        masking: { defaultStyle: 'blur' },
        surprise: true,
      },
    });
    expect(r.ok).toBe(false);
    expect(r.document).toBeNull();
    expect(r.issues.map((i) => i.at).sort()).toEqual(
      [
        'guardrails.builtins.drop.action',
        'guardrails.rules[0].id',
        'guardrails.rules[0].match',
        'masking.defaultStyle',
        'review.approvers.users[0]',
        'review.minApprovals',
        'surprise',
      ].sort(),
    );
    expect(r.issues.find((i) => i.at === 'guardrails.rules[0].id')?.message).toBe('rule ids are lowercase words joined by dashes');
    expect(r.issues.find((i) => i.at === 'guardrails.rules[0].match')?.message).toBe('a custom rule must match on something');
    expect(r.issues.find((i) => i.at === 'review.minApprovals')?.path).toEqual(['review', 'minApprovals']);
    expect((await validatePolicy({ document: null })).issues.map((i) => i.at)).toEqual(['(policy)']);
  });

  it('writes every default out for a valid document', async () => {
    const r = await validatePolicy({ document: { name: 'minimal' } });
    expect(r.ok).toBe(true);
    expect(r.document).toMatchObject({
      name: 'minimal',
      masking: { enabled: true, defaultStyle: 'redact' },
      review: { minApprovals: 1, allowSelfApproval: false },
      ssh: { portForwarding: false },
    });
  });

  it('refuses to save an invalid document, saying where', async () => {
    expect(await refusal(savePolicy(db, orgs.acme, { document: { name: 'prod', limits: { maxRows: 0 } } }))).toMatch(
      /^invalid: The policy is not valid\. limits\.maxRows: /,
    );
    expect((await listPolicies(db, orgs.acme)).items).toEqual([]);
  });
});

describe('saving', () => {
  let id = '';

  it('creates version 1, attaches the connections it names by name or tag (in its own org), and tells the agents', async () => {
    const told = listener.next(orgs.acme);
    const r = await savePolicy(db, orgs.acme, { document: { name: 'prod', connections: { names: ['web-1'], tags: ['prod'] } } });
    await told;
    id = r.policy.id;
    expect(r).toMatchObject({ created: true, attached: ['pg-prod', 'pg-replica', 'web-1'] });
    expect(r.policy.version).toBe(1);
    expect(r.policy.connections.map((c) => c.name)).toEqual(['pg-prod', 'pg-replica', 'web-1']);
    expect(await db.connection.count({ where: { orgId: orgs.other, policyId: { not: null } } })).toBe(0);
    const stored = await db.policy.findUniqueOrThrow({ where: { id } });
    expect(stored.document).toMatchObject({ name: 'prod', version: 1, masking: { enabled: true } });
  });

  it('bumps the version on each change and notifies; a stale editor is refused', async () => {
    const before = (await getPolicy(db, orgs.acme, { id })).document;
    const told = listener.next(orgs.acme);
    const r = await savePolicy(db, orgs.acme, { id, expectedVersion: 1, document: { ...before, version: 1, readOnly: true, review: { minApprovals: 2 } } });
    await told;
    expect(r.created).toBe(false);
    expect(r.policy.version).toBe(2);
    expect(r.policy.document).toMatchObject({ version: 2, readOnly: true, review: { minApprovals: 2 } });
    expect(await refusal(savePolicy(db, orgs.acme, { id, expectedVersion: 1, document: { name: 'prod' } }))).toBe(
      'conflict: “prod” was changed by someone else (it is now version 2) since you opened it. Reload to see their change, then make yours again.',
    );
    expect(await refusal(savePolicy(db, orgs.acme, { document: { name: 'prod' } }))).toBe(
      'conflict: A policy named “prod” already exists: open it to change it, or choose another name.',
    );
    expect(await refusal(savePolicy(db, orgs.other, { id, document: { name: 'prod' } }))).toMatch(/^not_found: /);
    const listed = (await listPolicies(db, orgs.acme)).items;
    expect(listed.map((p) => [p.name, p.version, p.readOnly, p.connections.join(',')])).toEqual([['prod', 2, true, 'pg-prod,pg-replica,web-1']]);
  });

  it('shows a stored document that does not validate, with its problems', async () => {
    const bad = await db.policy.create({ data: { orgId: orgs.acme, name: 'legacy', document: { name: 'legacy', review: { minApprovals: 'two' } } } });
    const p = await getPolicy(db, orgs.acme, { id: bad.id });
    expect(p.valid).toBe(false);
    expect(p.issues.map((i) => i.at)).toEqual(['review.minApprovals']);
    expect(p.document).toEqual({ name: 'legacy', review: { minApprovals: 'two' } });
    expect((await listPolicies(db, orgs.acme)).items.find((x) => x.name === 'legacy')?.valid).toBe(false);
  });

  it('deletes a policy: its connections fall back to the built-in defaults, and agents are told', async () => {
    const told = listener.next(orgs.acme);
    expect(await deletePolicy(db, orgs.acme, { id })).toEqual({ id, name: 'prod', detached: ['pg-prod', 'pg-replica', 'web-1'] });
    await told;
    expect(await db.connection.count({ where: { orgId: orgs.acme, policyId: { not: null } } })).toBe(0);
  });
});

describe('the test box', () => {
  const policy = {
    name: 'draft',
    guardrails: {
      rules: [
        {
          id: 'no-billing-writes',
          action: 'deny',
          message: 'billing is written by the billing service only',
          match: { kinds: ['write'], tables: ['billing.*'] },
        },
      ],
    },
  };

  it('judges each SQL statement like `hoop policy test`, with the rule and message', async () => {
    const r = await testPolicy(db, orgs.acme, { document: policy, guard: 'sql', input: 'select 1; DELETE FROM customers' });
    expect(r).toMatchObject({ guard: 'sql', readOnly: false, connection: null, action: 'deny', ruleId: 'delete-without-where' });
    expect(r.items.map((i) => [i.action, i.ruleId, i.what])).toEqual([
      ['allow', null, 'read · SELECT'],
      ['deny', 'delete-without-where', 'write · DELETE'],
    ]);
    expect(r.items[1]!.message).toContain('DELETE without a WHERE clause');
    const custom = await testPolicy(db, orgs.acme, { document: policy, guard: 'sql', input: 'update billing.invoices set paid = true where id = 1' });
    expect(custom.items[0]).toMatchObject({ action: 'deny', ruleId: 'no-billing-writes', message: 'billing is written by the billing service only' });
  });

  it('judges shell commands, and takes SQL or shell and read-only from the connection chosen', async () => {
    const shell = await testPolicy(db, orgs.acme, { document: policy, guard: 'shell', input: 'rm -rf /' });
    expect(shell).toMatchObject({ guard: 'shell', action: 'deny', ruleId: 'rm-recursive-broad' });
    const viaSsh = await testPolicy(db, orgs.acme, { document: policy, connectionId: conns.shell, input: 'df -h && rm -rf /' });
    expect(viaSsh).toMatchObject({ guard: 'shell', connection: 'web-1', action: 'deny' });
    expect(viaSsh.items.map((i) => [i.what, i.action])).toEqual([
      ['df', 'allow'],
      ['rm', 'deny'],
    ]);
    const ro = await testPolicy(db, orgs.acme, { document: policy, connectionId: conns.ro, input: 'insert into t values (1)' });
    expect(ro).toMatchObject({ guard: 'sql', readOnly: true, connection: 'pg-replica', action: 'deny', ruleId: 'read-only' });
    expect((await testPolicy(db, orgs.acme, { document: policy, connectionId: conns.psql, input: 'drop table t' })).guard).toBe('sql');
    expect(await refusal(testPolicy(db, orgs.other, { document: policy, connectionId: conns.prod, input: 'select 1' }))).toMatch(/^not_found: /);
    expect(await refusal(testPolicy(db, orgs.acme, { document: { name: 'x', limits: { maxRows: -1 } }, input: 'select 1' }))).toMatch(
      /^invalid: The policy is not valid, so it cannot be tested: limits\.maxRows/,
    );
    expect(await refusal(testPolicy(db, orgs.acme, { document: policy, input: '   ' }))).toBe('invalid: Enter SQL or a shell command to test.');
  });

  it("judges a mysql connection's SQL with the MySQL grammar, as its agent does", async () => {
    const id = (await seedConnection(db, orgs.acme, { name: 'orders-mysql', type: 'mysql', config: { host: 'db', user: 'app' } })).id;
    const test = (input: string) => testPolicy(db, orgs.acme, { document: policy, connectionId: id, input });
    // a versioned comment runs on MySQL: the Postgres grammar reads only a comment
    expect(await test('/*!50000 DROP TABLE t */')).toMatchObject({ guard: 'sql', connection: 'orders-mysql', action: 'deny', ruleId: 'drop' });
    expect(await test('select `id` from `t` where `id` = 1')).toMatchObject({ action: 'allow' });
    expect(await test("SELECT * FROM t INTO OUTFILE '/tmp/x'")).toMatchObject({ action: 'deny' });
  });
});
