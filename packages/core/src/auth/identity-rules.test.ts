import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedOrg, seedUser, type TestDatabase, testServerUrl } from '@hoop/db/testing';
import { CLI_LOGIN, decideCliLogin, findCliLogin, loginSourceKey, normalizeUserCode, pollCliLogin, startCliLogin } from '../cli-login/login-requests';
import { approvalRefusal } from '../review/reviews';
import { heldRoles, holdsRole, loadHeldRoles } from './held-roles';
import { claimValues, resolveSsoOrg, signInWithOidc } from './oidc';

describe('roles', () => {
  it('the effective role is the most privileged held: admin > auditor > reviewer > developer', () => {
    expect(heldRoles('developer')).toEqual({ role: 'developer', roles: ['developer'] });
    expect(heldRoles('developer', ['reviewer'])).toEqual({ role: 'reviewer', roles: ['reviewer', 'developer'] });
    expect(heldRoles('reviewer', ['auditor', 'developer'])).toEqual({ role: 'auditor', roles: ['auditor', 'reviewer', 'developer'] });
    expect(heldRoles('auditor', ['admin']).role).toBe('admin');
    expect(heldRoles('superuser', ['root'])).toEqual({ role: 'developer', roles: ['developer'] });
  });

  it('a check for one role looks at every role held, and admins hold them all', () => {
    const both = heldRoles('auditor', ['reviewer']);
    expect(holdsRole(both, 'reviewer')).toBe(true);
    expect(holdsRole(both, 'auditor')).toBe(true);
    expect(holdsRole(heldRoles('developer'), 'reviewer')).toBe(false);
    expect(holdsRole(heldRoles('admin'), 'auditor')).toBe(true);
  });

  it('review approvers by role include roles held through groups', () => {
    const review = { orgId: 'o', requesterId: 'someone', approverRoles: ['reviewer'], approverUsers: [], allowSelfApproval: false, status: 'pending' };
    const user = { id: 'u', orgId: 'o', email: 'a@x', ...heldRoles('auditor', ['reviewer']) };
    expect(user.role).toBe('auditor');
    expect(approvalRefusal(review, user)).toBeNull();
    expect(approvalRefusal(review, { id: 'u', orgId: 'o', email: 'a@x', role: 'auditor' })).toMatch(/not an approver/);
  });

  it('reads a groups claim sent as a list, a string or with duplicates', () => {
    expect(claimValues(['a', 'b', 'a', '', 3])).toEqual(['a', 'b']);
    expect(claimValues('a b,c')).toEqual(['a', 'b', 'c']);
    expect(claimValues(undefined)).toEqual([]);
  });

  it('normalizes user codes and refuses others', () => {
    expect(normalizeUserCode('bcdf ghjk')).toBe('BCDF-GHJK');
    expect(normalizeUserCode('BCDF-GHJ')).toBeNull();
    expect(normalizeUserCode('ABCD-EFGH')).toBeNull();
  });
});

let database: TestDatabase;
let db: Db;
let orgId = '';

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'db_identity');
  db = createDb(database.url, { max: 2 });
  orgId = (await seedOrg(db, { name: 'Acme', slug: 'acme' })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('single sign-on', () => {
  it('creates a developer, syncs claim-mapped groups, and drops memberships the claim no longer has', async () => {
    expect(await resolveSsoOrg(db, null)).toMatchObject({ slug: 'acme' });
    const reviewers = await db.group.create({ data: { orgId, name: 'db-reviewers', role: 'reviewer', oidcClaim: 'hoop-reviewers' } });
    const auditors = await db.group.create({ data: { orgId, name: 'auditors', role: 'auditor', oidcClaim: 'hoop-auditors' } });
    const first = await signInWithOidc(db, null, { subject: 'sub-olivia', email: 'Olivia@Acme.test', name: 'Olivia', groups: ['hoop-reviewers', 'unrelated'] });
    expect(first).toMatchObject({
      ok: true,
      created: true,
      groups: ['db-reviewers'],
      user: { email: 'olivia@acme.test', role: 'reviewer', roles: ['reviewer', 'developer'] },
    });
    const id = first.ok ? first.user.id : '';
    // an admin adds her to auditors by hand: sign-in never removes that
    await db.groupMember.create({ data: { groupId: auditors.id, userId: id, source: 'manual' } });
    const second = await signInWithOidc(db, 'acme', { subject: 'sub-olivia', email: 'olivia@acme.test', name: 'Olivia O.', groups: [] });
    expect(second).toMatchObject({ ok: true, created: false, groups: [], user: { id, name: 'Olivia O.', role: 'auditor', roles: ['auditor', 'developer'] } });
    expect(await db.groupMember.count({ where: { groupId: reviewers.id } })).toBe(0);
    expect(await loadHeldRoles(db, id)).toEqual({ role: 'auditor', roles: ['auditor', 'developer'] });
  });

  it('links an existing local account by e-mail once, then by subject only', async () => {
    const local = await seedUser(db, orgId, { email: 'rob@acme.test', role: 'admin', password: 'pw-123456' });
    const out = await signInWithOidc(db, null, { subject: 'sub-rob', email: 'ROB@acme.test', name: null, groups: [] });
    expect(out).toMatchObject({ ok: true, created: false, user: { id: local.id, role: 'admin', name: local.name } });
    expect(await signInWithOidc(db, null, { subject: 'sub-impostor', email: 'rob@acme.test', name: null, groups: [] })).toMatchObject({
      ok: false,
      code: 'linked_elsewhere',
    });
  });

  it('refuses disabled and service accounts, unverified e-mail and an unknown org', async () => {
    const off = await seedUser(db, orgId, { email: 'off@acme.test' });
    await db.user.update({ where: { id: off.id }, data: { disabledAt: new Date() } });
    await seedUser(db, orgId, { email: 'bot@service.hoop', isService: true });
    expect(await signInWithOidc(db, null, { subject: 's1', email: 'off@acme.test', name: null, groups: [] })).toMatchObject({ ok: false, code: 'disabled' });
    expect(await signInWithOidc(db, null, { subject: 's2', email: 'bot@service.hoop', name: null, groups: [] })).toMatchObject({
      ok: false,
      code: 'service_account',
    });
    expect(await signInWithOidc(db, null, { subject: 's3', email: 'new@acme.test', emailVerified: false, name: null, groups: [] })).toMatchObject({
      ok: false,
      code: 'unverified',
    });
    expect(await signInWithOidc(db, 'nope', { subject: 's4', email: 'new@acme.test', name: null, groups: [] })).toMatchObject({ ok: false, code: 'no_org' });
    expect(await signInWithOidc(db, null, { subject: 's5', email: null, name: null, groups: [] })).toMatchObject({ ok: false, code: 'no_email' });
  });
});

describe('CLI browser login', () => {
  it('hands out one token, once, to the poller after approval', async () => {
    const dev = await seedUser(db, orgId, { email: 'dev@acme.test' });
    const started = await startCliLogin(db, { clientName: 'hoop-cli on dev@laptop', tokenDays: 7 });
    expect(started.userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(await pollCliLogin(db, started.deviceCode)).toMatchObject({ status: 'pending' });
    expect(await pollCliLogin(db, 'hoop_dev_not-a-code')).toMatchObject({ status: 'invalid' });
    await decideCliLogin(db, started.userCode.toLowerCase(), dev, 'approve');
    const [a, b] = await Promise.all([pollCliLogin(db, started.deviceCode), pollCliLogin(db, started.deviceCode)]);
    const won = [a, b].filter((r) => r.status === 'approved');
    expect(won).toHaveLength(1);
    expect([a, b].filter((r) => r.status === 'consumed')).toHaveLength(1);
    const token = won[0]!.status === 'approved' ? won[0]! : null;
    expect(token).toMatchObject({ user: { email: 'dev@acme.test', role: 'developer' }, org: 'acme', scope: 'full' });
    const days = (token!.tokenExpiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(await db.apiToken.count({ where: { userId: dev.id } })).toBe(1);
    expect((await findCliLogin(db, started.userCode)).status).toBe('consumed');
  });

  it('ends denied and expired requests, and never decides one twice', async () => {
    const dev = await db.user.findFirstOrThrow({ where: { email: 'dev@acme.test' } });
    const denied = await startCliLogin(db, { clientName: 'x' });
    await decideCliLogin(db, denied.userCode, dev, 'deny');
    expect(await pollCliLogin(db, denied.deviceCode)).toMatchObject({ status: 'denied' });
    await expect(decideCliLogin(db, denied.userCode, dev, 'approve')).rejects.toThrow(/was denied/);
    const late = await startCliLogin(db, { clientName: 'x' });
    await db.cliLoginRequest.update({ where: { userCode: late.userCode }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(decideCliLogin(db, late.userCode, dev, 'approve')).rejects.toThrow(/has expired/);
    expect(await pollCliLogin(db, late.deviceCode)).toMatchObject({ status: 'expired' });
    await expect(startCliLogin(db, { clientName: 'x', tokenDays: 400 })).rejects.toThrow(/from 1 to 90/);
  });

  it('caps pending requests per source address, so one client cannot keep everybody else from logging in', async () => {
    // concurrent starts cannot all pass the count
    const flood = await Promise.allSettled(
      Array.from({ length: CLI_LOGIN.maxPendingPerSource * 2 }, () => startCliLogin(db, { clientName: 'flood', clientAddress: '203.0.113.7' })),
    );
    expect(flood.filter((r) => r.status === 'fulfilled')).toHaveLength(CLI_LOGIN.maxPendingPerSource);
    expect(flood.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual(
      Array(CLI_LOGIN.maxPendingPerSource).fill(expect.stringMatching(/logins from this address are already waiting/)),
    );
    // the same address written IPv4-mapped, and another address of the same IPv6 /64, count for the same source
    await expect(startCliLogin(db, { clientName: 'flood', clientAddress: '::ffff:203.0.113.7' })).rejects.toThrow(/already waiting/);
    for (let i = 0; i < CLI_LOGIN.maxPendingPerSource; i++) await startCliLogin(db, { clientName: 'v6', clientAddress: `2001:db8:1:2::${i.toString(16)}` });
    await expect(startCliLogin(db, { clientName: 'v6', clientAddress: '2001:db8:1:2:ffff:ffff:ffff:1' })).rejects.toThrow(/already waiting/);
    // everybody else still logs in
    expect((await startCliLogin(db, { clientName: 'colleague', clientAddress: '198.51.100.20' })).userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect((await startCliLogin(db, { clientName: 'colleague', clientAddress: '2001:db8:1:3::1' })).userCode).toMatch(/-/);
    // an expired request no longer counts
    await db.cliLoginRequest.updateMany({ where: { clientAddress: '203.0.113.7' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await startCliLogin(db, { clientName: 'later', clientAddress: '203.0.113.7' })).userCode).toMatch(/-/);
  });

  it('counts an IPv4 address as itself and an IPv6 address as its /64', () => {
    expect(loginSourceKey('10.0.0.1')).toBe('10.0.0.1');
    expect(loginSourceKey('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(loginSourceKey('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(loginSourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(loginSourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(loginSourceKey('::1')).toBe('0:0:0:0::/64');
    expect(loginSourceKey(null)).toBe('unknown');
  });

  it('gives no token when the approver was disabled in the meantime', async () => {
    const gone = await seedUser(db, orgId, { email: 'gone@acme.test' });
    const r = await startCliLogin(db, { clientName: 'x', scope: 'read' });
    await decideCliLogin(db, r.userCode, gone, 'approve');
    await db.user.update({ where: { id: gone.id }, data: { disabledAt: new Date() } });
    expect(await pollCliLogin(db, r.deviceCode)).toMatchObject({ status: 'denied', message: expect.stringMatching(/disabled/) });
    expect(await db.apiToken.count({ where: { userId: gone.id } })).toBe(0);
  });
});
