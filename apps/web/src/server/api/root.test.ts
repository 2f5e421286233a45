import { randomBytes } from 'node:crypto';
import { createDb, type Db, encryptSecret, parseEncryptionKey } from '@hoop/db';
import { createTestDatabase, seedAgent, seedApiToken, seedConnection, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliLogin } from '@hoop/core/cli-login/login-requests';
import { type AuthzOrg, seedAuthzOrg } from '@hoop/core/testing';
import { PROCEDURE_ACCESS, type ProcedurePath } from '@hoop/core/authz';
import { EXPECTED } from './authz-expected';
import { appRouter, createCaller } from './root';

/**
 * Who may call what: every procedure, as every role, as nobody, as a disabled user and as another org's admin. Each
 * decision is tried on a fresh review requested by the developer (approvers: reviewer and admin roles); each webhook
 * change on a fresh webhook of Acme. Acme has two recorded sessions, the developer's and the admin's.
 */
let database: TestDatabase;
let db: Db;
const users: Record<string, string> = {};
let acme = '';
let connectionId = '';
let shownReview = '';
/** a pending statement review on acme-db, requested by the developer */
let freshReview: AuthzOrg['freshReview'];
/** a policy of Acme, read by every member */
let policyId = '';
const sessions = { developer: '', admin: '' };
const ENCRYPTION_KEY = randomBytes(32).toString('hex');

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'web_api');
  db = createDb(database.url, { max: 2 });
  const key = parseEncryptionKey(ENCRYPTION_KEY);
  const org = await seedAuthzOrg(db, key);
  ({ acme, connectionId, policyId, freshReview } = org);
  Object.assign(users, org.users);
  Object.assign(sessions, org.sessions);
  shownReview = await freshReview();
  await db.webhook.create({
    data: { orgId: acme, name: 'acme-hook', url: 'https://hooks.acme.test/hoop', secretEncrypted: encryptSecret('acme-webhook-secret', key) },
  });
});

/** A webhook of Acme, to pause or delete. */
async function freshWebhook(): Promise<string> {
  const w = await db.webhook.create({
    data: { orgId: acme, name: `hook-${randomBytes(4).toString('hex')}`, url: 'https://hooks.acme.test/x', secretEncrypted: null },
  });
  return w.id;
}

/** A connection, an agent and a policy of Acme, to change or delete. */
const fresh = () => `x-${randomBytes(4).toString('hex')}`;
/** names are lowercase */
const low = (who: string | null) => String(who).toLowerCase();
const freshConnection = async () => (await seedConnection(db, acme, { name: fresh(), config: { host: 'db.acme.test', database: 'app', user: 'app' } })).id;
const freshAgent = async () => (await seedAgent(db, acme, { name: fresh() })).agent.id;
const freshPolicy = async () => (await db.policy.create({ data: { orgId: acme, name: fresh(), document: {} } })).id;
const PG_CONNECTION = { type: 'postgres' as const, config: { host: 'db.test', port: 5432, database: 'app', user: 'app', sslmode: 'require' as const } };
/** Runs a call, then removes what it was given or made, so what other rows count stays as seeded. */
async function thenRemove(call: () => Promise<string>, remove: () => Promise<unknown>): Promise<string> {
  try {
    return await call();
  } finally {
    await remove();
  }
}

/** Identity fixtures, made on first use: a token named laptop for every user, a group, a user to change, a login request. */
let laptops: Promise<void> | null = null;
const laptopTokens = () => (laptops ??= (async () => void (await Promise.all(Object.values(users).map((id) => seedApiToken(db, id, { name: 'laptop' })))))());
const freshUser = async () => (await seedUser(db, acme, { role: 'developer' })).id;
const freshToken = async (of: string) => (await seedApiToken(db, users[of]!, { name: `t-${randomBytes(3).toString('hex')}` })).row.id;
const freshCliLogin = async () => (await startCliLogin(db, { clientName: 'hoop-cli/0.1.0 on dev@laptop (linux)' })).userCode;
/** A group of Acme granting reviewer (its members are fresh users, so the table's users keep their roles). */
async function freshGroup(memberIds: string[] = []): Promise<string> {
  const g = await db.group.create({ data: { orgId: acme, name: `g-${randomBytes(4).toString('hex')}`, role: 'reviewer' } });
  for (const userId of memberIds) await db.groupMember.create({ data: { groupId: g.id, userId } });
  return g.id;
}
let acmeGroup: Promise<string> | null = null;

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const as = (who: string | null) =>
  createCaller({ db, userId: who ? (users[who] ?? null) : null, headers: new Headers(), encryptionKey: ENCRYPTION_KEY, gatewayUrl: 'http://127.0.0.1:9' });

async function outcome(call: () => Promise<string>): Promise<string> {
  try {
    return `ok:${await call()}`;
  } catch (err) {
    return err instanceof TRPCError ? err.code : `unexpected:${String(err)}`;
  }
}

const names = (page: { items: { name: string }[] }) => page.items.map((i) => i.name).join(',');

const PROCEDURES: Record<ProcedurePath, (who: string | null) => Promise<string>> = {
  'connection.list': async (who: string | null) => names(await as(who).connection.list({})),
  'agent.list': async (who: string | null) => names(await as(who).agent.list({})),
  'connection.get': async (who: string | null) => (await as(who).connection.get({ id: connectionId })).name,
  'connection.create': async (who: string | null) =>
    thenRemove(
      async () => {
        const c = await as(who).connection.create({ ...PG_CONNECTION, name: `new-${low(who)}`, secret: { source: 'stored', value: 'pg-password' } });
        return `${c.name}:${c.secret.source}:${c.secret.storedSet}`;
      },
      () => db.connection.deleteMany({ where: { name: `new-${low(who)}` } }),
    ),
  'connection.update': async (who: string | null) => {
    const id = await freshConnection();
    return thenRemove(
      async () => {
        const c = await as(who).connection.update({ ...PG_CONNECTION, id, name: `upd-${low(who)}`, readOnly: true });
        return `${c.name}:${c.readOnly}`;
      },
      () => db.connection.deleteMany({ where: { id } }),
    );
  },
  'connection.delete': async (who: string | null) => {
    const id = await freshConnection();
    return thenRemove(
      async () => ((await as(who).connection.delete({ id })).id === id ? 'deleted' : 'other'),
      () => db.connection.deleteMany({ where: { id } }),
    );
  },
  'connection.test': async (who: string | null) => (await as(who).connection.test({ id: connectionId })).checks.map((c) => `${c.id}=${c.status}`).join(','),
  'agent.create': async (who: string | null) =>
    thenRemove(
      async () => {
        const a = await as(who).agent.create({ name: `agent-${low(who)}` });
        return `${a.name}:${a.key.startsWith(a.keyPrefix) ? 'key shown' : 'no key'}`;
      },
      () => db.agent.deleteMany({ where: { name: `agent-${low(who)}` } }),
    ),
  'agent.rotateKey': async (who: string | null) => {
    const id = await freshAgent();
    return thenRemove(
      async () => ((await as(who).agent.rotateKey({ id })).key.startsWith('hoop_agent_') ? 'rotated' : 'no key'),
      () => db.agent.deleteMany({ where: { id } }),
    );
  },
  'agent.delete': async (who: string | null) => {
    const id = await freshAgent();
    return thenRemove(
      async () => ((await as(who).agent.delete({ id })).id === id ? 'deleted' : 'other'),
      () => db.agent.deleteMany({ where: { id } }),
    );
  },
  'policy.list': async (who: string | null) => names(await as(who).policy.list({})),
  'policy.get': async (who: string | null) => (await as(who).policy.get({ id: policyId })).name,
  'policy.catalog': async (who: string | null) => String((await as(who).policy.catalog({})).sql.some((r) => r.id === 'delete-without-where')),
  'policy.validate': async (who: string | null) =>
    (await as(who).policy.validate({ document: { name: 'x', review: { minApprovals: 0 } } })).issues.map((i) => i.at).join(','),
  'policy.test': async (who: string | null) => {
    const r = await as(who).policy.test({ document: { name: 'x' }, guard: 'sql', input: 'DELETE FROM customers' });
    return `${r.action}:${r.ruleId}`;
  },
  'policy.save': async (who: string | null) =>
    thenRemove(
      async () => {
        const r = await as(who).policy.save({ document: { name: `policy-${who}` } });
        return `${r.policy.name}:v${r.policy.version}`;
      },
      () => db.policy.deleteMany({ where: { name: `policy-${who}` } }),
    ),
  'policy.delete': async (who: string | null) => {
    const id = await freshPolicy();
    return thenRemove(
      async () => ((await as(who).policy.delete({ id })).id === id ? 'deleted' : 'other'),
      () => db.policy.deleteMany({ where: { id } }),
    );
  },
  'review.list': async (who: string | null) => String((await as(who).review.list({ status: 'all' })).items.some((r) => r.id === shownReview)),
  'review.get': async (who: string | null) => (await as(who).review.get({ id: shownReview })).status,
  'review.summary': async (who: string | null) => String((await as(who).review.summary({})).pending > 0),
  'review.facets': async (who: string | null) => (await as(who).review.facets({})).connections.join(','),
  'review.approve': async (who: string | null) => (await as(who).review.approve({ id: await freshReview(), comment: 'fine' })).review.status,
  'review.reject': async (who: string | null) => (await as(who).review.reject({ id: await freshReview(), comment: 'not now' })).review.status,
  'review.revoke': async (who: string | null) => (await as(who).review.revoke({ id: await freshReview(), note: 'wrong ticket' })).status,
  'integration.getSlack': async (who: string | null) => (await as(who).integration.getSlack({})).defaultChannel ?? '',
  'integration.saveSlack': async (who: string | null) =>
    (await as(who).integration.saveSlack({ botToken: 'xoxb-1-2-abc', signingSecret: 'abcdef0123456789', defaultChannel: `#${who}` })).defaultChannel ?? '',
  'integration.removeSlack': async (who: string | null) => String((await as(who).integration.removeSlack({})).configured),
  'integration.listWebhooks': async (who: string | null) => names(await as(who).integration.listWebhooks({})),
  'integration.createWebhook': async (who: string | null) => {
    const out = await as(who).integration.createWebhook({ name: `new-${who}`, url: 'https://hooks.example.test/in', events: ['statement.blocked'] });
    return `${out.webhook.name}:${out.generatedSecret ? 'secret shown' : 'no secret'}`;
  },
  'integration.setWebhookEnabled': async (who: string | null) =>
    String((await as(who).integration.setWebhookEnabled({ id: await freshWebhook(), enabled: false })).enabled),
  'integration.deleteWebhook': async (who: string | null) => {
    const id = await freshWebhook();
    return (await as(who).integration.deleteWebhook({ id })).id === id ? 'deleted' : 'other';
  },
  'user.list': async (who: string | null) => String((await as(who).user.list({})).items.some((u) => u.id === users.developer)),
  'user.create': async (who: string | null) => {
    const out = await as(who).user.create({ email: `new-${who}@acme.test`, name: `New ${who}` });
    return `${out.user.role}:${out.password.length >= 16 ? 'password shown' : 'no password'}`;
  },
  'user.resetPassword': async (who: string | null) =>
    (await as(who).user.resetPassword({ id: await freshUser() })).password.length >= 16 ? 'password shown' : 'none',
  'user.setRole': async (who: string | null) => (await as(who).user.setRole({ id: await freshUser(), role: 'reviewer' })).role,
  'user.setDisabled': async (who: string | null) => String((await as(who).user.setDisabled({ id: await freshUser(), disabled: true })).disabled),
  'group.list': async (who: string | null) => {
    await (acmeGroup ??= db.group.create({ data: { orgId: acme, name: 'acme-reviewers', role: 'reviewer' } }).then((g) => g.id));
    return names(await as(who).group.list({}));
  },
  'group.create': async (who: string | null) => (await as(who).group.create({ name: `team-${who}`, role: 'auditor', oidcClaim: 'hoop-auditors' })).name,
  'group.update': async (who: string | null) =>
    (await as(who).group.update({ id: await freshGroup(), name: `renamed-${randomBytes(3).toString('hex')}`, role: 'auditor' })).role,
  'group.delete': async (who: string | null) => {
    const id = await freshGroup();
    return (await as(who).group.delete({ id })).id === id ? 'deleted' : 'other';
  },
  'group.addMember': async (who: string | null) =>
    String((await as(who).group.addMember({ groupId: await freshGroup(), userId: await freshUser() })).members.length),
  'group.removeMember': async (who: string | null) => {
    const member = await freshUser();
    return String((await as(who).group.removeMember({ groupId: await freshGroup([member]), userId: member })).members.length);
  },
  // one's own tokens, then the org's (admins only): does that show the developer's?
  'token.list': async (who: string | null) => {
    await laptopTokens();
    const mine = names(await as(who).token.list({}));
    const org = await as(who)
      .token.list({ owner: 'org' })
      .then(
        (l) => String(l.items.some((t) => t.owner.id === users.developer)),
        (err: unknown) => (err instanceof TRPCError ? err.code : 'error'),
      );
    return `${mine}|org:${org}`;
  },
  'token.create': async (who: string | null) => {
    const out = await as(who).token.create({ name: `cli-${who}`, expiresInDays: 30 });
    return `${out.item.name}:${out.token.startsWith('hoop_tok_') ? 'shown once' : 'no token'}`;
  },
  // a token of the developer
  'token.revoke': async (who: string | null) => (await as(who).token.revoke({ id: await freshToken('developer') })).status,
  'cliLogin.get': async (who: string | null) => (await as(who).cliLogin.get({ code: await freshCliLogin() })).status,
  'cliLogin.approve': async (who: string | null) => (await as(who).cliLogin.approve({ code: await freshCliLogin() })).status,
  'cliLogin.deny': async (who: string | null) => (await as(who).cliLogin.deny({ code: await freshCliLogin() })).status,
  'session.list': async (who: string | null) => String((await as(who).session.list({})).items.some((s) => s.id === sessions.admin)),
  'session.facets': async (who: string | null) => (await as(who).session.facets({})).connections.join(','),
  'session.get': async (who: string | null) => (await as(who).session.get({ id: sessions.admin })).status,
  // the admin's session is SQL: who may see it is told a conversation is asked of a SQL session, the others that it is not theirs
  'session.conversation': async (who: string | null) => String((await as(who).session.conversation({ id: sessions.admin })).total),
  'session.exchangeRequest': async (who: string | null) => (await as(who).session.exchangeRequest({ id: sessions.admin, seq: 0 })).path,
  'session.verify': async (who: string | null) => String((await as(who).session.verify({ id: sessions.developer })).ok),
  'audit.overview': async (who: string | null) => String((await as(who).audit.overview({})).sessions),
  'audit.verify': async (who: string | null) => {
    const r = await as(who).audit.verify({});
    return `${r.ok}:${r.sessions}`;
  },
  'audit.retention': async (who: string | null) => {
    const r = await as(who).audit.retention({});
    return `${r.days}:${r.purged.sessions}`;
  },
  'audit.previewRetention': async (who: string | null) => String((await as(who).audit.previewRetention({ days: 7 })).sessions),
  // set, then put back to for ever (nothing is purged here: the purge is the gateway's)
  'audit.setRetention': async (who: string | null) =>
    thenRemove(
      async () => String((await as(who).audit.setRetention({ days: 90 })).days),
      () => db.org.updateMany({ data: { auditRetentionDays: null } }),
    ),
  'dashboard.sessions': async (who: string | null) => String((await as(who).dashboard.sessions({ range: '7d' })).totals.sessions),
  'dashboard.blocked': async (who: string | null) => String((await as(who).dashboard.blocked({ range: '24h' })).total),
  'dashboard.masked': async (who: string | null) => String((await as(who).dashboard.masked({ range: '30d' })).total),
  'dashboard.approvals': async (who: string | null) => String((await as(who).dashboard.approvals({})).requested > 0),
  'dashboard.live': async (who: string | null) => {
    const r = await as(who).dashboard.live({});
    return `${r.agentsTotal}:${r.scope}`;
  },
  'dashboard.models': async (who: string | null) => (await as(who).dashboard.models({ range: '7d' })).window.scope,
};

describe('authorization', () => {
  it('every procedure is in the table', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(Object.keys(PROCEDURES).sort()).toEqual(procedures);
  });

  it('every procedure is in the authorization table, and the table names no other', () => {
    expect(Object.keys(PROCEDURE_ACCESS).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
  });

  for (const [name, call] of Object.entries(PROCEDURES)) {
    for (const [who, expected] of Object.entries(EXPECTED[name as ProcedurePath])) {
      it(`${name} as ${who} → ${expected}`, async () => {
        expect(await outcome(() => call(who === 'anonymous' ? null : who))).toBe(expected);
      });
    }
  }
});
