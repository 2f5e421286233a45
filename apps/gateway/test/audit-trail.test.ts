import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let admin: pg.Client;
const sessionIds: string[] = [];

beforeAll(async () => {
  target = await createTargetDatabase('audittrail');
  await target.query("create table t (id int, email text); insert into t values (1, 'a@example.com')");
  stack = await startTestStack();
  await stack.addPostgresConnection('audited', target.url);
  await stack.startAgent();
  for (const sql of ['select * from t', "select 'second', 2; select 3", 'delete from t']) await stack.cli(['exec', 'audited', '-i', sql]);
  await waitFor('three sessions sealed', async () => ((await stack.db.auditChain.count()) >= 3 ? true : null), { timeoutMs: 15_000 });
  sessionIds.push(...(await stack.db.session.findMany({ orderBy: { startedAt: 'asc' }, select: { id: true } })).map((s) => s.id));
  admin = new pg.Client({ connectionString: stack.dbUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await stack?.stop();
  await target?.drop();
});

describe('audit trail', () => {
  it('lists sessions and shows a timeline with decisions', async () => {
    const list = await stack.cli(['sessions', '--connection', 'audited', '-o', 'json']);
    const sessions = JSON.parse(list.stdout) as { id: string; status: string; mode: string }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.every((s) => s.status === 'closed' && s.mode === 'exec')).toBe(true);
    const blocked = await stack.cli(['sessions', 'get', sessionIds[2]!]);
    expect(blocked.stdout).toMatch(/statement\s+DENY\s+\[delete-without-where\] delete from t/);
    const ran = await stack.cli(['sessions', 'get', sessionIds[0]!]);
    expect(ran.stdout).toMatch(/ALLOW\s+select \* from t\s+→ SELECT 1 1 rows/);
  });

  it('exports a session as JSON lines and CSV that round-trip', async () => {
    const jsonl = await stack.cli(['sessions', 'export', sessionIds[1]!]);
    const events = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; type: string; data: { sql?: string } });
    const stored = await stack.db.auditEvent.findMany({ where: { sessionId: sessionIds[1]! }, orderBy: { seq: 'asc' } });
    expect(events.map((e) => [e.seq, e.type, e.data])).toEqual(stored.map((e) => [e.seq, e.type, e.data]));
    const csv = await stack.cli(['sessions', 'export', sessionIds[1]!, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('session,seq,at,type,sql,decision,rule,rows,error,data');
    expect(lines).toHaveLength(stored.length + 1);
    expect(csv.stdout).toContain(`"select 'second', 2; select 3"`);
  });

  it('verifies an intact trail, then finds an altered event and a removed one', async () => {
    const ok = await stack.cli(['audit', 'verify']);
    expect(ok.code, `${ok.stdout}${ok.stderr}`).toBe(0);
    expect(ok.stdout).toMatch(/audit trail intact: 3 session\(s\), \d+ event\(s\), \d+ admin change\(s\) verified/);

    await admin.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await admin.query(`UPDATE audit_events SET data = jsonb_set(data, '{sql}', '"select 1"') WHERE session_id = $1 AND type = 'statement'`, [sessionIds[2]]);
    const altered = await stack.cli(['audit', 'verify']);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(new RegExp(`BROKEN in session ${sessionIds[2]} at event \\d+: event \\d+ was altered`));

    const last = await admin.query<{ seq: number }>('SELECT max(seq) AS seq FROM audit_events WHERE session_id = $1', [sessionIds[0]]);
    await admin.query('DELETE FROM audit_events WHERE session_id = $1 AND seq = $2', [sessionIds[0], last.rows[0]!.seq]);
    const removed = await stack.cli(['audit', 'verify', '--session', sessionIds[0]!]);
    expect(removed.code).toBe(1);
    expect(removed.stdout).toMatch(/removed from the end of this session/);
    await admin.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await expect(admin.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  it('records admin changes in their own chain and detects an altered one', async () => {
    const file = `${stack.configFile}.admin-policy.json`;
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, JSON.stringify({ name: 'admin-trail', guardrails: { builtins: { truncate: { action: 'review' } } } }));
    expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
    expect((await stack.cli(['policy', 'apply', '-f', file])).code).toBe(0);
    const rows = await stack.db.adminEvent.findMany({ where: { orgId: stack.orgId }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.action, r.target, r.actor])).toEqual([
      ['policy.create', 'policy:admin-trail', 'admin@test.local'],
      ['policy.update', 'policy:admin-trail', 'admin@test.local'],
    ]);
    await expect(admin.query('UPDATE admin_events SET actor = $1', ['someone-else'])).rejects.toThrow(/append-only/);
    await admin.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await admin.query('DELETE FROM audit_events');
    await admin.query('ALTER TABLE audit_chain DISABLE TRIGGER USER');
    await admin.query('DELETE FROM audit_chain');
    await admin.query('ALTER TABLE audit_chain ENABLE TRIGGER USER');
    await admin.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await admin.query('ALTER TABLE admin_events DISABLE TRIGGER admin_events_append_only');
    await admin.query(`UPDATE admin_events SET data = jsonb_set(data, '{version}', '7') WHERE seq = 1`);
    await admin.query('ALTER TABLE admin_events ENABLE TRIGGER admin_events_append_only');
    const broken = await stack.cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/admin event 1 \(policy\.update policy:admin-trail\) was altered/);
  });
});
