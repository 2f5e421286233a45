import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;

beforeAll(async () => {
  target = await createTargetDatabase('policycli');
  await target.query('create table scratch (id int); create table customers (id int)');
  stack = await startTestStack();
  await stack.addPostgresConnection('pg-policy', target.url);
  await stack.startAgent();
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const POLICY = `
name: scratch-friendly
connections:
  names: [pg-policy]
guardrails:
  builtins:
    drop: { action: review }
  rules:
    - id: scratch-truncate
      action: allow
      match: { commands: [TRUNCATE], tables: [scratch] }
`;

describe('hoop policy', () => {
  it('tests statements against the connection policy, statement by statement (exit 3 when stopped)', async () => {
    const r = await stack.cli(['policy', 'test', '-c', 'pg-policy', 'select 1; delete from customers']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/1\s+ALLOW\s+-\s+read\s+select 1/);
    expect(r.stdout).toMatch(/2\s+DENY\s+delete-without-where\s+write\s+delete from customers/);
    expect(r.stdout).toContain('blocked by "delete-without-where": DELETE without a WHERE clause would touch every row');
    const ok = await stack.cli(['policy', 'test', '-c', 'pg-policy', 'select * from customers where id = 1']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/result: allow/);
  });

  it('tests a policy file before it is applied, applies it, and the agent enforces it at once', async () => {
    const file = `${stack.configFile}.policy.yaml`;
    await writeFile(file, POLICY);
    const dry = await stack.cli(['policy', 'test', file, '-c', 'pg-policy', 'truncate scratch']);
    expect(dry.code).toBe(0);
    const review = await stack.cli(['policy', 'test', file, 'drop table customers']);
    expect(review.code).toBe(3);
    expect(review.stdout).toMatch(/REVIEW\s+drop/);

    const applied = await stack.cli(['policy', 'apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('policy "scratch-friendly" created (version 1); applies to pg-policy\n');
    const again = await stack.cli(['policy', 'apply', '-f', file]);
    expect(again.stdout).toMatch(/updated \(version 2\)/);

    const got = await stack.cli(['policy', 'get', 'scratch-friendly']);
    expect(got.stdout).toMatch(/name: scratch-friendly/);
    expect(got.stdout).toMatch(/id: scratch-truncate/);

    await waitFor(
      'the agent to enforce the new policy',
      async () => {
        const r = await stack.cli(['exec', 'pg-policy', '-i', 'truncate scratch']);
        return r.code === 0 ? r : null;
      },
      { timeoutMs: 15_000 },
    );
    const stillBlocked = await stack.cli(['exec', 'pg-policy', '-i', 'truncate customers']);
    expect(stillBlocked.code).toBe(3);
  });

  it('refuses an invalid policy with every problem listed, and changes nothing', async () => {
    const file = `${stack.configFile}.bad.yaml`;
    await writeFile(file, 'name: bad\nguardrails:\n  builtins:\n    no-such-rule: {}\n  rules:\n    - id: Bad Id\n      action: maybe\n      match: {}\n');
    const r = await stack.cli(['policy', 'apply', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid policy/);
    expect(r.stderr).toMatch(/guardrails\.rules\.0\.id/);
    const list = await stack.cli(['policy', 'list']);
    expect(list.stdout).not.toMatch(/\bbad\b/);
    const broken = await stack.cli(['policy', 'apply', '-f', '/nonexistent.yaml']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/cannot read \/nonexistent.yaml: ENOENT/);
  });
});
