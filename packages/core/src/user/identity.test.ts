import { createDb, type Db, hashSecret, verifyPassword } from '@hoop/db';
import { createTestDatabase, seedApiToken, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSessionUser, type SessionUser } from '../auth/load-session-user';
import { signInOidc } from '../auth/sign-in-oidc';
import { verifyCredentials } from '../auth/verify-credentials';
import { decideCliLogin } from '../cli-login/decide-cli-login';
import { getCliLogin } from '../cli-login/get-cli-login';
import { addGroupMember, removeGroupMember } from '../group/group-members';
import { listGroups } from '../group/list-groups';
import { createGroup, deleteGroup, updateGroup } from '../group/save-group';
import { createToken } from '../token/create-token';
import { listTokens } from '../token/list-tokens';
import { revokeToken } from '../token/revoke-token';
import { createUser, resetPassword } from './create-user';
import { listUsers } from './list-users';
import { setUserDisabled, setUserRole } from './update-user';
import { refusal } from '../refusal';
import { startCliLogin } from '../cli-login/login-requests';

let database: TestDatabase;
let db: Db;
let orgId = '';
let otherOrg = '';
const people = {} as Record<'ada' | 'dev' | 'outsider', SessionUser>;

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_identity');
  db = createDb(database.url, { max: 2 });
  orgId = (await seedOrg(db, { name: 'Acme', slug: 'acme' })).id;
  otherOrg = (await seedOrg(db, { name: 'Other', slug: 'other' })).id;
  for (const [key, org, role] of [
    ['ada', orgId, 'admin'],
    ['dev', orgId, 'developer'],
    ['outsider', otherOrg, 'admin'],
  ] as const) {
    const u = await seedUser(db, org, { email: `${key}@acme.test`, name: key, role });
    people[key] = (await loadSessionUser(db, u.id))!;
  }
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('users', () => {
  it('creates a local account whose generated password is shown once and works', async () => {
    const out = await createUser(db, orgId, { email: ' Rita@Acme.test ', name: 'Rita', role: 'reviewer' });
    expect(out.user).toMatchObject({
      email: 'rita@acme.test',
      role: 'reviewer',
      effectiveRole: 'reviewer',
      hasPassword: true,
      isService: false,
      disabled: false,
      sso: false,
    });
    expect(out.password).toMatch(/^[\w-]{6}-[\w-]{6}-[\w-]{6}$/);
    expect(await verifyCredentials(db, 'rita@acme.test', out.password)).toMatchObject({ email: 'rita@acme.test', role: 'reviewer' });
    expect((await listUsers(db, orgId, {})).items.find((u) => u.email === 'rita@acme.test')?.lastLoginAt).not.toBeNull();
    expect(JSON.stringify(await listUsers(db, orgId, {}))).not.toContain(out.password);
    expect(await refusal(createUser(db, orgId, { email: 'rita@acme.test', name: 'Again' }))).toBe(
      'conflict: rita@acme.test already has an account in this organisation.',
    );
    expect(await refusal(createUser(db, orgId, { email: 'not-an-email', name: 'X' }))).toMatch(/^invalid: Enter the e-mail address/);
    const reset = await resetPassword(db, people.ada, { id: out.user.id });
    expect(await verifyCredentials(db, 'rita@acme.test', out.password)).toBeNull();
    expect(await verifyCredentials(db, 'rita@acme.test', reset.password)).not.toBeNull();
  });

  it('lists people before service accounts, marked as such', async () => {
    await seedUser(db, orgId, { email: 'claude-bot@service.hoop', name: 'claude-bot', isService: true });
    const items = (await listUsers(db, orgId, {})).items;
    expect(items.at(-1)).toMatchObject({ email: 'claude-bot@service.hoop', isService: true, hasPassword: false });
    expect((await listUsers(db, orgId, { kind: 'service' })).items.map((u) => u.name)).toEqual(['claude-bot']);
    expect((await listUsers(db, otherOrg, {})).items.map((u) => u.email)).toEqual(['outsider@acme.test']);
  });

  it('changes roles and disables, never the admin\u2019s own account, never another org\u2019s', async () => {
    const rita = (await listUsers(db, orgId, { q: 'rita' })).items[0]!;
    expect((await setUserRole(db, people.ada, { id: rita.id, role: 'auditor' })).role).toBe('auditor');
    expect(await refusal(setUserRole(db, people.ada, { id: people.ada.id, role: 'developer' }))).toBe(
      'forbidden: You cannot change the role of your own account; ask another admin.',
    );
    expect(await refusal(setUserDisabled(db, people.ada, { id: people.ada.id, disabled: true }))).toMatch(/^forbidden: You cannot disable your own account/);
    expect(await refusal(setUserRole(db, people.outsider, { id: rita.id, role: 'admin' }))).toMatch(/^not_found: /);
    const bot = (await listUsers(db, orgId, { kind: 'service' })).items[0]!;
    expect(await refusal(setUserRole(db, people.ada, { id: bot.id, role: 'admin' }))).toMatch(/^invalid: Service accounts are never admins/);
  });

  it('a disabled user loses their session and their tokens at once, and gets them back when enabled', async () => {
    const { token } = await seedApiToken(db, people.dev.id);
    expect((await setUserDisabled(db, people.ada, { id: people.dev.id, disabled: true })).disabled).toBe(true);
    expect(await loadSessionUser(db, people.dev.id)).toBeNull();
    const row = await db.apiToken.findUniqueOrThrow({ where: { tokenHash: hashSecret(token) }, include: { user: true } });
    expect(row.user.disabledAt).not.toBeNull();
    await setUserDisabled(db, people.ada, { id: people.dev.id, disabled: false });
    expect(await loadSessionUser(db, people.dev.id)).toMatchObject({ id: people.dev.id });
  });
});

describe('groups', () => {
  it('grant their role to members, counted with the member\u2019s own role', async () => {
    const g = await createGroup(db, orgId, { name: ' db-reviewers ', role: 'reviewer', oidcClaim: 'hoop-reviewers', description: 'approve schema changes' });
    expect(g).toMatchObject({ name: 'db-reviewers', role: 'reviewer', oidcClaim: 'hoop-reviewers', members: [] });
    const added = await addGroupMember(db, orgId, { groupId: g.id, userId: people.dev.id });
    expect(added.members).toEqual([expect.objectContaining({ email: 'dev@acme.test', source: 'manual' })]);
    expect(await loadSessionUser(db, people.dev.id)).toMatchObject({ role: 'reviewer', roles: ['reviewer', 'developer'] });
    const dev = (await listUsers(db, orgId, { q: 'dev@' })).items[0]!;
    expect(dev).toMatchObject({ role: 'developer', effectiveRole: 'reviewer', groups: [{ name: 'db-reviewers', role: 'reviewer', source: 'manual' }] });
    expect((await updateGroup(db, orgId, { id: g.id, name: 'db-auditors', role: 'auditor' })).oidcClaim).toBeNull();
    expect((await loadSessionUser(db, people.dev.id))?.role).toBe('auditor');
    expect((await removeGroupMember(db, orgId, { groupId: g.id, userId: people.dev.id })).members).toEqual([]);
    expect((await loadSessionUser(db, people.dev.id))?.role).toBe('developer');
    expect(await refusal(removeGroupMember(db, orgId, { groupId: g.id, userId: people.dev.id }))).toBe(
      'conflict: dev@acme.test is not a member of this group.',
    );
  });

  it('refuse taken names, service accounts as members and other orgs', async () => {
    const g = await createGroup(db, orgId, { name: 'ops', role: 'developer' });
    expect(await refusal(createGroup(db, orgId, { name: 'ops', role: 'admin' }))).toBe('conflict: A group named “ops” already exists: choose another name.');
    expect(await refusal(createGroup(db, orgId, { name: 'x', role: 'admin', oidcClaim: 'two words' }))).toMatch(/^invalid: The claim value is one group name/);
    const bot = (await listUsers(db, orgId, { kind: 'service' })).items[0]!;
    expect(await refusal(addGroupMember(db, orgId, { groupId: g.id, userId: bot.id }))).toMatch(/^invalid: claude-bot@service.hoop is a service account/);
    expect(await refusal(addGroupMember(db, otherOrg, { groupId: g.id, userId: people.outsider.id }))).toMatch(/^not_found: This group/);
    expect(await refusal(addGroupMember(db, orgId, { groupId: g.id, userId: people.outsider.id }))).toMatch(/^not_found: This user/);
    expect(await refusal(deleteGroup(db, otherOrg, { id: g.id }))).toMatch(/^not_found: /);
    expect(await deleteGroup(db, orgId, { id: g.id })).toEqual({ id: g.id, name: 'ops' });
    expect((await listGroups(db, orgId)).items.map((x) => x.name)).toEqual(['db-auditors']);
  });

  it('single sign-on puts people in the groups their claim names, with the role they grant', async () => {
    await createGroup(db, orgId, { name: 'sso-reviewers', role: 'reviewer', oidcClaim: 'hoop-reviewers' });
    const out = await signInOidc(
      db,
      { sub: 'sub-1', email: 'olivia@acme.test', email_verified: true, name: 'Olivia', roles: ['hoop-reviewers'] },
      { groupsClaim: 'roles', org: 'acme' },
    );
    expect(out).toMatchObject({ email: 'olivia@acme.test', orgId, role: 'reviewer' });
    expect(out.refusal).toBeUndefined();
    expect((await listUsers(db, orgId, { q: 'olivia' })).items[0]).toMatchObject({
      sso: true,
      hasPassword: false,
      groups: [{ name: 'sso-reviewers', source: 'oidc' }],
    });
    expect(await signInOidc(db, { sub: 'sub-2', email: 'ada@acme.test', email_verified: 'false' }, { groupsClaim: 'groups', org: 'acme' })).toMatchObject({
      refusal: 'unverified',
    });
    // two orgs and none named demo: which one is not guessed
    expect(await signInOidc(db, { sub: 'sub-3', email: 'x@acme.test' }, { groupsClaim: 'groups', org: null })).toMatchObject({ refusal: 'no_org' });
  });
});

describe('API tokens', () => {
  it('are created for oneself, shown once, listed by prefix, and revoked', async () => {
    const out = await createToken(db, people.dev, { name: ' laptop ', expiresInDays: 30, scope: 'read' });
    expect(out.token).toMatch(/^hoop_tok_/);
    expect(out.item).toMatchObject({ name: 'laptop', scope: 'read', status: 'active', owner: { email: 'dev@acme.test' }, lastUsedAt: null, cliClient: null });
    expect(out.token.startsWith(out.item.prefix)).toBe(true);
    const mine = await listTokens(db, people.dev, {});
    expect(mine.items.map((t) => t.name)).toContain('laptop');
    expect(JSON.stringify(mine)).not.toContain(out.token);
    expect(await refusal(listTokens(db, people.dev, { owner: 'org' }))).toMatch(/^forbidden: Only admins/);
    expect((await listTokens(db, people.ada, { owner: 'org' })).items.some((t) => t.id === out.item.id)).toBe(true);
    expect((await listTokens(db, people.outsider, { owner: 'org' })).items).toEqual([]);
    expect(await refusal(revokeToken(db, people.outsider, { id: out.item.id }))).toMatch(/^not_found: /);
    expect((await revokeToken(db, people.dev, { id: out.item.id })).status).toBe('revoked');
    expect(await refusal(revokeToken(db, people.dev, { id: out.item.id }))).toBe('conflict: This token is already revoked.');
    expect((await listTokens(db, people.dev, {})).items.some((t) => t.id === out.item.id)).toBe(false);
    expect((await listTokens(db, people.dev, { includeInactive: true })).items.find((t) => t.id === out.item.id)?.status).toBe('revoked');
    expect(await refusal(createToken(db, people.dev, { name: 'x', expiresInDays: 400 }))).toMatch(/^invalid: A token lives at most 365 days/);
  });
});

describe('CLI login approval', () => {
  it('shows the request, then binds it to whoever approves it', async () => {
    const r = await startCliLogin(db, { clientName: 'hoop-cli/0.1.0 on dev@laptop (linux)', clientAddress: '127.0.0.1', tokenDays: 30 });
    const seen = await getCliLogin(db, people.dev, { code: r.userCode.toLowerCase().replace('-', ' ') });
    expect(seen).toMatchObject({
      userCode: r.userCode,
      status: 'pending',
      clientName: 'hoop-cli/0.1.0 on dev@laptop (linux)',
      clientAddress: '127.0.0.1',
      scope: 'full',
      tokenDays: 30,
      decidedByViewer: false,
    });
    expect(Math.round((seen.tokenExpiresAt.getTime() - Date.now()) / 86_400_000)).toBe(30);
    const approved = await decideCliLogin(db, people.dev, 'approve', { code: r.userCode });
    expect(approved).toMatchObject({ status: 'approved', decidedByViewer: true });
    expect(await getCliLogin(db, people.ada, { code: r.userCode })).toMatchObject({ status: 'approved', decidedByViewer: false });
    expect(await refusal(decideCliLogin(db, people.ada, 'deny', { code: r.userCode }))).toBe('conflict: This login request was already approved.');
    expect(await refusal(getCliLogin(db, people.dev, { code: 'BCDF-GHJK' }))).toMatch(/^not_found: There is no login request with this code/);
  });
});
