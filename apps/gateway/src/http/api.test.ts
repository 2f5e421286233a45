import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '@hoop/core/authz';
import { type AuthzOrg, seedAuthzOrg, sqlSessionEvents, TABLE_ROLES } from '@hoop/core/testing';
import { createApiToken, createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedApiToken, type TestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { AgentRegistry } from '../agent-link/registry';
import { API_ROUTES } from './api';
import { serveApi } from './api-test-server';

/**
 * Who may call what on the gateway's API, the CLI's side of the control plane: every route, as every role, as a
 * read-only token (an admin's), as nobody, as a disabled user and as another org's admin. The web app's procedures
 * have the same table (apps/web/src/server/api/root.test.ts); both are decided by @hoop/core/authz. Each decision is
 * tried on a fresh review requested by the developer (approvers: reviewer and admin roles). Acme has two recorded
 * sessions, the developer's and the admin's.
 */
let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let server: Server;
let base = '';
const tokens: Record<string, string> = {};
let shownReview = '';
/** a pending statement review on acme-db, requested by the developer */
let freshReview: AuthzOrg['freshReview'];
const sessions = { developer: '', admin: '' };
const users: Record<string, string> = {};
const encryptionKey = randomBytes(32);

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'gateway_api');
  db = createDb(database.url, { max: 3 });
  pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => undefined);
  const org = await seedAuthzOrg(db, encryptionKey);
  freshReview = org.freshReview;
  Object.assign(users, org.users);
  Object.assign(sessions, org.sessions);
  for (const role of TABLE_ROLES) tokens[role] = (await seedApiToken(db, users[role]!)).token;
  tokens.readOnly = (await createApiToken(db, users.admin!, { name: 'read', expiresAt: null, scope: 'read' })).token;
  tokens.disabled = (await seedApiToken(db, users.disabled!)).token;
  tokens.otherAdmin = (await seedApiToken(db, users.otherAdmin!)).token;
  shownReview = await freshReview();

  const log = createLogger('api-test', 'error');
  const deps = {
    db,
    pool,
    agents: new AgentRegistry(db, encryptionKey, log),
    webUrl: 'http://web.test',
    encryptionKey,
    slack: { invalidate: () => undefined },
    auditKeys: new Map(),
    pgListener: { port: 15432, tls: 'generated' as const, caCert: '-----BEGIN CERTIFICATE-----', fingerprint: 'AB:CD' },
  };
  ({ server, base } = await serveApi(deps));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await db?.$disconnect();
  await database?.drop();
});

/** The answer to one request: `ok:` and what the caller needs to tell it apart, or the HTTP status refusing it. */
async function call(
  who: string,
  method: string,
  path: string,
  body?: unknown,
  read: (answer: Record<string, unknown>, text: string) => string = () => '',
): Promise<string> {
  const token = tokens[who];
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== 200) return String(res.status);
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return `ok:${read(json, text)}`;
}

const names = (list: unknown) => (list as { name: string }[]).map((i) => i.name).join(',');
/** names are lowercase */
const low = (who: string) => who.toLowerCase();

const ROUTES: Record<keyof typeof ROUTE_ACCESS, (who: string) => Promise<string>> = {
  'POST /api/cli-login': (who) =>
    call(who, 'POST', '/api/cli-login', { clientName: `hoop-cli as ${who}` }, (a) => (typeof a.userCode === 'string' ? 'started' : 'no code')),
  'POST /api/cli-login/token': async (who) => {
    const started = await call('anonymous', 'POST', '/api/cli-login', {}, (a) => String(a.deviceCode));
    return call(who, 'POST', '/api/cli-login/token', { deviceCode: started.slice(3) }, (a) => String(a.status));
  },
  'GET /api/me': (who) => call(who, 'GET', '/api/me', undefined, (a) => `${a.role}:${a.scope}`),
  'GET /api/connections': (who) => call(who, 'GET', '/api/connections', undefined, (a) => names(a.connections)),
  'GET /api/pg-listener': (who) => call(who, 'GET', '/api/pg-listener', undefined, (a) => `${a.port}:${a.tls}`),
  'GET /api/connections/:name/policy': (who) => call(who, 'GET', '/api/connections/acme-db/policy', undefined, (a) => (a.policy as { name: string }).name),
  'POST /api/connections/:name/test': (who) => call(who, 'POST', '/api/connections/acme-db/test', {}, (a) => String(a.state)),
  'GET /api/policies': (who) => call(who, 'GET', '/api/policies', undefined, (a) => names(a.policies)),
  'GET /api/policies/:name': (who) => call(who, 'GET', '/api/policies/acme-policy', undefined, (a) => `${a.name}:v${a.version}`),
  'PUT /api/policies': async (who) => {
    try {
      return await call(who, 'PUT', '/api/policies', { name: `policy-${low(who)}` }, (a) => `${a.name}:v${a.version}:${a.created ? 'created' : 'updated'}`);
    } finally {
      await db.policy.deleteMany({ where: { name: `policy-${low(who)}` } });
    }
  },
  // the admin's session: not the reviewer's or the developer's to see
  'GET /api/sessions': (who) =>
    call(who, 'GET', '/api/sessions', undefined, (a) => String((a.sessions as { id: string }[]).some((s) => s.id === sessions.admin))),
  'GET /api/sessions/:id': (who) => call(who, 'GET', `/api/sessions/${sessions.admin}`, undefined, (a) => (a.session as { status: string }).status),
  // the developer's session: theirs, and the org's for admins and auditors
  'GET /api/sessions/:id/export': (who) =>
    call(who, 'GET', `/api/sessions/${sessions.developer}/export?format=jsonl`, undefined, (_, text) => `${text.trim().split('\n').length} lines`),
  'GET /api/reviews': (who) =>
    call(who, 'GET', '/api/reviews?status=all', undefined, (a) => String((a.reviews as { id: string }[]).some((r) => r.id === shownReview))),
  'GET /api/reviews/:id': (who) => call(who, 'GET', `/api/reviews/${shownReview}`, undefined, (a) => String(a.status)),
  'POST /api/reviews/:id/approve': async (who) =>
    call(who, 'POST', `/api/reviews/${await freshReview()}/approve`, { comment: 'fine' }, (a) => String(a.status)),
  'POST /api/reviews/:id/reject': async (who) =>
    call(who, 'POST', `/api/reviews/${await freshReview()}/reject`, { comment: 'not now' }, (a) => String(a.status)),
  'POST /api/reviews/:id/revoke': async (who) =>
    call(who, 'POST', `/api/reviews/${await freshReview()}/revoke`, { comment: 'wrong ticket' }, (a) => String(a.status)),
  // acme-db's policy (the default) asks no approval to connect
  'POST /api/access-requests': (who) => call(who, 'POST', '/api/access-requests', { connection: 'acme-db' }, (a) => `required=${a.required}`),
  'GET /api/integrations/slack': (who) => call(who, 'GET', '/api/integrations/slack', undefined, (a) => `${a.configured}:${a.defaultChannel ?? ''}`),
  'PUT /api/integrations/slack': (who) =>
    call(
      who,
      'PUT',
      '/api/integrations/slack',
      { botToken: 'xoxb-1-2-abc', signingSecret: 'abcdef0123456789', defaultChannel: `#${who}` },
      (a) => `${a.configured}:${a.defaultChannel}:${a.botToken}`,
    ),
  'DELETE /api/integrations/slack': (who) => call(who, 'DELETE', '/api/integrations/slack', undefined, (a) => String(a.configured)),
  'POST /api/service-accounts': (who) =>
    call(
      who,
      'POST',
      '/api/service-accounts',
      { name: `bot-${low(who)}`, role: 'developer' },
      (a) => `${a.email}:${String(a.token).startsWith('hoop_tok_') ? 'token shown' : 'no token'}`,
    ),
  'GET /api/audit/retention': (who) => call(who, 'GET', '/api/audit/retention', undefined, (a) => `${a.days}`),
  // set, then put back to for ever
  'PUT /api/audit/retention': async (who) => {
    try {
      return await call(who, 'PUT', '/api/audit/retention', { days: 90 }, (a) => `${a.days}`);
    } finally {
      await db.org.updateMany({ data: { auditRetentionDays: null } });
    }
  },
  'POST /api/audit/verify': (who) => call(who, 'POST', '/api/audit/verify', {}, (a) => `${a.ok}:${a.sessions}`),
};

const WHO = ['admin', 'reviewer', 'auditor', 'developer', 'readOnly', 'anonymous', 'disabled', 'otherAdmin'] as const;
type Outcomes = Record<(typeof WHO)[number], string>;
/** any member; a read-only token reads but changes nothing */
const members = (ok: string, otherAdmin: string, readOnly = '403'): Outcomes => ({
  admin: ok,
  reviewer: ok,
  auditor: ok,
  developer: ok,
  readOnly,
  anonymous: '401',
  disabled: '401',
  otherAdmin,
});
const adminsOnly = (ok: string, otherAdmin: string, readOnly = '403'): Outcomes => ({
  admin: ok,
  reviewer: '403',
  auditor: '403',
  developer: '403',
  readOnly,
  anonymous: '401',
  disabled: '401',
  otherAdmin,
});
const anyone = (ok: string): Outcomes => ({ admin: ok, reviewer: ok, auditor: ok, developer: ok, readOnly: ok, anonymous: ok, disabled: ok, otherAdmin: ok });

const EXPECTED: Record<keyof typeof ROUTE_ACCESS, Outcomes> = {
  // `hoop login` has no token yet
  'POST /api/cli-login': anyone('ok:started'),
  'POST /api/cli-login/token': anyone('ok:pending'),
  'GET /api/me': {
    admin: 'ok:admin:full',
    reviewer: 'ok:reviewer:full',
    auditor: 'ok:auditor:full',
    developer: 'ok:developer:full',
    readOnly: 'ok:admin:read',
    anonymous: '401',
    disabled: '401',
    otherAdmin: 'ok:admin:full',
  },
  // connections: every member lists them and reads their policy; admins test them; another org's are not found
  'GET /api/connections': members('ok:acme-db', 'ok:', 'ok:acme-db'),
  // the Postgres listener's port and CA: any member, to connect to it
  'GET /api/pg-listener': members('ok:15432:generated', 'ok:15432:generated', 'ok:15432:generated'),
  'GET /api/connections/:name/policy': members('ok:default', '404', 'ok:default'),
  'POST /api/connections/:name/test': adminsOnly('ok:agent_offline', '404'),
  // policies: every member reads them; admins apply them
  'GET /api/policies': members('ok:acme-policy', 'ok:', 'ok:acme-policy'),
  'GET /api/policies/:name': members('ok:acme-policy:v1', '404', 'ok:acme-policy:v1'),
  'PUT /api/policies': adminsOnly('ok:policy-admin:v1:created', 'ok:policy-otheradmin:v1:created'),
  // sessions: admins and auditors see the org's, everyone else only their own
  'GET /api/sessions': {
    admin: 'ok:true',
    reviewer: 'ok:false',
    auditor: 'ok:true',
    developer: 'ok:false',
    readOnly: 'ok:true',
    anonymous: '401',
    disabled: '401',
    otherAdmin: 'ok:false',
  },
  'GET /api/sessions/:id': {
    admin: 'ok:closed',
    reviewer: '404',
    auditor: 'ok:closed',
    developer: '404',
    readOnly: 'ok:closed',
    anonymous: '401',
    disabled: '401',
    otherAdmin: '404',
  },
  'GET /api/sessions/:id/export': {
    admin: `ok:${sqlSessionEvents().length} lines`,
    reviewer: '404',
    auditor: `ok:${sqlSessionEvents().length} lines`,
    developer: `ok:${sqlSessionEvents().length} lines`,
    readOnly: `ok:${sqlSessionEvents().length} lines`,
    anonymous: '401',
    disabled: '401',
    otherAdmin: '404',
  },
  // reviews: every member sees the org's; the review's approvers decide it (never its requester); admins revoke
  'GET /api/reviews': members('ok:true', 'ok:false', 'ok:true'),
  'GET /api/reviews/:id': members('ok:pending', '404', 'ok:pending'),
  'POST /api/reviews/:id/approve': {
    admin: 'ok:approved',
    reviewer: 'ok:approved',
    auditor: '403',
    developer: '403',
    readOnly: '403',
    anonymous: '401',
    disabled: '401',
    otherAdmin: '404',
  },
  'POST /api/reviews/:id/reject': {
    admin: 'ok:rejected',
    reviewer: 'ok:rejected',
    auditor: '403',
    developer: '403',
    readOnly: '403',
    anonymous: '401',
    disabled: '401',
    otherAdmin: '404',
  },
  'POST /api/reviews/:id/revoke': adminsOnly('ok:revoked', '404'),
  'POST /api/access-requests': members('ok:required=false', '404'),
  // integrations: admins only, each on their own org's settings
  'GET /api/integrations/slack': adminsOnly('ok:true:#acme-reviews', 'ok:false:', 'ok:true:#acme-reviews'),
  'PUT /api/integrations/slack': adminsOnly('ok:true:#admin:set', 'ok:true:#otherAdmin:set'),
  'DELETE /api/integrations/slack': adminsOnly('ok:false', 'ok:false'),
  'POST /api/service-accounts': adminsOnly('ok:bot-admin@service.hoop:token shown', 'ok:bot-otheradmin@service.hoop:token shown'),
  // the audit trail: admins and auditors read the retention and verify; admins change the retention
  'GET /api/audit/retention': {
    admin: 'ok:null',
    reviewer: '403',
    auditor: 'ok:null',
    developer: '403',
    readOnly: 'ok:null',
    anonymous: '401',
    disabled: '401',
    otherAdmin: 'ok:null',
  },
  'PUT /api/audit/retention': adminsOnly('ok:90', 'ok:90'),
  'POST /api/audit/verify': {
    admin: 'ok:true:2',
    reviewer: '403',
    auditor: 'ok:true:2',
    developer: '403',
    readOnly: '403',
    anonymous: '401',
    disabled: '401',
    otherAdmin: 'ok:true:0',
  },
};

describe('authorization of the gateway API', () => {
  it('every route is in the authorization table, has a handler, and is in this table', () => {
    const table = Object.keys(ROUTE_ACCESS).sort();
    expect(Object.keys(API_ROUTES).sort()).toEqual(table);
    expect(Object.keys(ROUTES).sort()).toEqual(table);
  });

  it('answers 404 for a path that is no route, once the token is checked', async () => {
    expect(await call('anonymous', 'GET', '/api/nothing-here')).toBe('401');
    expect(await call('developer', 'GET', '/api/nothing-here')).toBe('404');
  });

  for (const [route, run] of Object.entries(ROUTES)) {
    for (const [who, expected] of Object.entries(EXPECTED[route as keyof typeof ROUTE_ACCESS])) {
      it(`${route} as ${who} → ${expected}`, async () => {
        expect(await run(who)).toBe(expected);
      });
    }
  }
});
