import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditPartitions, monthStart } from '@hoop/db';
import { seedApiToken, seedUser } from '@hoop/db/testing';
import { createTargetDatabase, type TestStack, startTestStack, waitFor } from '@hoop/devstack';

/**
 * Retention end to end: real sessions through gateway and agent, the retention set with the CLI, the gateway's own
 * maintenance pass purging (every second here), and `hoop audit verify` before and after tampering.
 */
let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let admin: pg.Client;
let developerToken = '';
const sessionIds: string[] = [];

beforeAll(async () => {
  target = await createTargetDatabase('retention');
  await target.query("create table t (id int, email text); insert into t values (1, 'a@example.com')");
  stack = await startTestStack({ gatewayEnv: { HOOP_AUDIT_MAINTENANCE_MS: '1000' } });
  await stack.addPostgresConnection('kept', target.url);
  await stack.startAgent();
  for (const sql of ['select * from t', 'select 2', 'delete from t']) await stack.cli(['exec', 'kept', '-i', sql]);
  await waitFor('three sessions sealed', async () => ((await stack.db.auditChain.count()) >= 3 ? true : null), { timeoutMs: 15_000 });
  sessionIds.push(...(await stack.db.session.findMany({ orderBy: { startedAt: 'asc' }, select: { id: true } })).map((s) => s.id));
  const dev = await seedUser(stack.db, stack.orgId, { email: 'dev@test.local', role: 'developer' });
  developerToken = (await seedApiToken(stack.db, dev.id)).token;
  admin = new pg.Client({ connectionString: stack.dbUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await stack?.stop();
  await target?.drop();
});

const developer = () => ({ HOOP_GATEWAY_URL: stack.gatewayUrl, HOOP_TOKEN: developerToken });

describe('audit retention', () => {
  it('has this month and the next two partitioned, made by the gateway', async () => {
    const names = (await listAuditPartitions(stack.db)).map((p) => p.name);
    const now = new Date();
    for (const k of [0, 1, 2]) expect(names).toContain(`audit_events_${monthStart(now, k).slice(0, 7).replace('-', '_')}`);
    expect(names).toContain('audit_events_default');
  });

  it('is for ever until an admin sets it, within bounds', async () => {
    const shown = await stack.cli(['audit', 'retention']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/audit trail kept for ever \(nothing is purged\)/);
    const low = await stack.cli(['audit', 'retention', '3']);
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/retention is at least 7 days \(asked for 3\)/);
    const junk = await stack.cli(['audit', 'retention', 'soon']);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/"soon" is not a number of days/);
    const denied = await stack.cli(['audit', 'retention', '30'], { env: developer() });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/only admins can change how long the audit trail is kept/);
    expect((await stack.db.org.findUniqueOrThrow({ where: { id: stack.orgId } })).auditRetentionDays).toBeNull();
  });

  it('purges sessions past the retention on record, and verify reports them as purged', async () => {
    // the first two sessions were last active 40 days ago
    await admin.query(
      `UPDATE sessions SET started_at = started_at - interval '40 days', ended_at = ended_at - interval '40 days', ` +
        `last_event_at = last_event_at - interval '40 days' WHERE id = ANY($1::uuid[])`,
      [sessionIds.slice(0, 2)],
    );
    const events = await stack.db.auditEvent.count({ where: { sessionId: { in: sessionIds.slice(0, 2) } } });
    const set = await stack.cli(['audit', 'retention', '30']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/audit retention changed from for ever to 30 days/);
    expect(set.stdout).toMatch(new RegExp(`next purge: 2 session\\(s\\), ${events} event\\(s\\)`));

    await waitFor(
      'the gateway to purge them',
      async () => ((await stack.db.session.count({ where: { id: { in: sessionIds.slice(0, 2) } } })) === 0 ? true : null),
      { timeoutMs: 20_000 },
    ).catch((e) => {
      console.log(
        stack.gateway
          .output()
          .split('\n')
          .filter((l) => /audit/.test(l))
          .slice(-20)
          .join('\n'),
      );
      throw e;
    });
    expect(await stack.db.auditEvent.count({ where: { sessionId: { in: sessionIds.slice(0, 2) } } })).toBe(0);
    const listed = JSON.parse((await stack.cli(['sessions', '-o', 'json'])).stdout) as { id: string; events: number }[];
    expect(listed.map((s) => s.id)).toEqual([sessionIds[2]]);
    expect(listed[0]!.events).toBe(await stack.db.auditEvent.count({ where: { sessionId: sessionIds[2]! } }));

    const trail = await stack.db.adminEvent.findMany({
      where: { orgId: stack.orgId, action: { in: ['audit.retention', 'audit.purge'] } },
      orderBy: { seq: 'asc' },
    });
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ['audit.retention', 'admin@test.local'],
      ['audit.purge', 'system'],
    ]);
    expect(trail[1]!.data).toMatchObject({ sessions: 2, events, retentionDays: 30 });

    const shown = await stack.cli(['admin', 'audit', 'retention']);
    expect(shown.stdout).toMatch(new RegExp(`purged so far: 2 session\\(s\\), ${events} event\\(s\\) in 1 purge\\(s\\)`));

    const ok = await stack.cli(['audit', 'verify']);
    expect(ok.code, `${ok.stdout}${ok.stderr}`).toBe(0);
    expect(ok.stdout).toMatch(/audit trail intact: 1 session\(s\), \d+ event\(s\), \d+ admin change\(s\) verified/);
    expect(ok.stdout).toMatch(new RegExp(`purged by retention, on record: 2 session\\(s\\), ${events} event\\(s\\)`));
    const one = await stack.cli(['audit', 'verify', '--session', sessionIds[0]!]);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`session ${sessionIds[0]} was purged by retention on \\d{4}-\\d\\d-\\d\\d \\(purge \\d+\\)`));
  });

  it('still refuses changes, and still finds tampering, around what was purged', async () => {
    await expect(admin.query('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE/);
    await expect(admin.query('UPDATE audit_events SET type = $1', ['x'])).rejects.toThrow(/append-only: UPDATE/);
    await expect(admin.query('DELETE FROM audit_purged_sessions')).rejects.toThrow(/append-only/);

    // a purged session's recorded end altered behind the trail's back
    await admin.query('ALTER TABLE audit_purged_sessions DISABLE TRIGGER USER');
    await admin.query(`UPDATE audit_purged_sessions SET through_hash = repeat('f', 64) WHERE session_id = $1`, [sessionIds[1]]);
    const altered = await stack.cli(['audit', 'verify']);
    expect(altered.code).toBe(1);
    expect(altered.stdout).toMatch(/BROKEN: the record of purge \d+ \(\d{4}-\d\d-\d\d\) does not match its checkpoint/);
    await admin.query(`UPDATE audit_purged_sessions SET through_hash = (SELECT final_hash FROM audit_chain WHERE session_id = $1) WHERE session_id = $1`, [
      sessionIds[1],
    ]);
    await admin.query('ALTER TABLE audit_purged_sessions ENABLE TRIGGER USER');
    expect((await stack.cli(['audit', 'verify'])).code).toBe(0);

    // the remaining session removed whole, row and events, without a purge to account for it
    await admin.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
    await admin.query('DELETE FROM audit_events WHERE session_id = $1', [sessionIds[2]]);
    await admin.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    await admin.query('DELETE FROM sessions WHERE id = $1', [sessionIds[2]]);
    const gone = await stack.cli(['audit', 'verify']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(new RegExp(`BROKEN in session ${sessionIds[2]}: this session is sealed in the global chain but is gone`));
  });

  it('drops frames an agent resends for a purged session, and keeps refusing frames of sessions it does not serve', async () => {
    const { PROTOCOL_VERSION, Tunnel, webSocketTransport } = await import('@hoop/protocol');
    const { WebSocket } = await import('ws');
    await stack.stopAgent();
    // a fresh gateway, which never saw these sessions: it learns from the purge records that the first one was purged
    await stack.crashGateway();
    const ws = new WebSocket(`${stack.gatewayUrl.replace(/^http/, 'ws')}/agent`, { headers: { authorization: `Bearer ${stack.agentKey}` } });
    const acks: { sessionId: string; seq: number }[] = [];
    const tunnel = new Tunnel(webSocketTransport(ws), true, {
      onMessage: (msg) => {
        if (msg.type === 'audit_ack') acks.push(msg.payload as { sessionId: string; seq: number });
      },
    });
    ws.on('message', (data, isBinary) => (isBinary ? tunnel.handleBinary(data as Buffer) : tunnel.handleText(String(data))));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    tunnel.send('hello', { role: 'agent', version: PROTOCOL_VERSION, capabilities: [] });
    const event = { type: 'statement', at: new Date().toISOString(), data: { sql: 'select 1' } };
    const stranger = '00000000-0000-4000-8000-000000000001';
    tunnel.send('audit', { sessionId: sessionIds[0]!, seq: 7, event });
    tunnel.send('audit', { sessionId: stranger, seq: 1, event });
    await waitFor('the purged frame acknowledged', async () => (acks.some((a) => a.sessionId === sessionIds[0]) ? true : null), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    expect(acks).toEqual([{ sessionId: sessionIds[0], seq: 7 }]);
    expect(await stack.db.auditEvent.count({ where: { sessionId: { in: [sessionIds[0]!, stranger] } } })).toBe(0);
    expect(stack.gateway.output()).toMatch(/dropping audit frames of a purged session/);
    expect(stack.gateway.output()).toMatch(/agent sent audit for a session it does not serve/);
    ws.close();
  });
});
