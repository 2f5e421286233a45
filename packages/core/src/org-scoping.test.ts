import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedConnection, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAgents } from './agent/list-agents';
import { verifyCredentials } from './auth/verify-credentials';
import { listConnections } from './connection/list-connections';

let database: TestDatabase;
let db: Db;
const orgs = { acme: '', other: '' };
const now = new Date('2026-01-01T12:00:00Z');

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_services');
  db = createDb(database.url, { max: 2 });
  orgs.acme = (await seedOrg(db, { name: 'Acme' })).id;
  orgs.other = (await seedOrg(db, { name: 'Other' })).id;
  const up = (await seedAgent(db, orgs.acme, { name: 'up' })).agent;
  const down = (await seedAgent(db, orgs.acme, { name: 'down' })).agent;
  await seedAgent(db, orgs.acme, { name: 'never' });
  await db.agent.update({ where: { id: up.id }, data: { connectedAt: new Date(now.getTime() - 60_000), lastSeenAt: new Date(now.getTime() - 5_000) } });
  await db.agent.update({ where: { id: down.id }, data: { connectedAt: new Date(now.getTime() - 60_000), lastSeenAt: new Date(now.getTime() - 16_000) } });
  await seedConnection(db, orgs.acme, { name: 'pg-prod', agentId: up.id, secretRef: 'env:PG', secretEncrypted: 'c2VhbGVk', tags: ['prod'] });
  await seedConnection(db, orgs.acme, { name: 'pg-dev', agentId: down.id, tags: ['dev'] });
  const theirs = (await seedAgent(db, orgs.other, { name: 'theirs' })).agent;
  await seedConnection(db, orgs.other, { name: 'their-db', agentId: theirs.id });
  await seedUser(db, orgs.acme, { email: 'same@example.test', password: 'acme-password', role: 'admin' });
  await seedUser(db, orgs.other, { email: 'same@example.test', password: 'other-password', role: 'developer' });
  await seedUser(db, orgs.acme, { email: 'robot@example.test', password: 'robot-password', isService: true });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('listConnections', () => {
  it('returns only the connections of the given org, with the serving agent state', async () => {
    const page = await listConnections(db, orgs.acme, {}, now);
    expect(page.total).toBe(2);
    expect(page.items.map((c) => [c.name, c.agent?.status])).toEqual([
      ['pg-dev', 'offline'],
      ['pg-prod', 'online'],
    ]);
    const other = await listConnections(db, orgs.other, {}, now);
    expect(other.items.map((c) => c.name)).toEqual(['their-db']);
  });

  it('never returns secret material, only where the agent finds it', async () => {
    const page = await listConnections(db, orgs.acme, { search: 'prod' }, now);
    expect(page.items).toHaveLength(1);
    expect(JSON.stringify(page)).not.toContain('c2VhbGVk');
    expect(page.items[0]?.secretSource).toBe('env');
  });

  it('cannot reach another org through a filter', async () => {
    const page = await listConnections(db, orgs.acme, { search: 'their' }, now);
    expect(page.total).toBe(0);
  });
});

describe('listAgents', () => {
  it('scopes to the org and computes online state from the last heartbeat (15 s window)', async () => {
    const page = await listAgents(db, orgs.acme, {}, now);
    expect(page.items.map((a) => [a.name, a.status])).toEqual([
      ['down', 'offline'],
      ['never', 'never-connected'],
      ['up', 'online'],
    ]);
    expect(page.summary).toEqual({ online: 1, offline: 2 });
    expect(page.items.find((a) => a.name === 'theirs')).toBeUndefined();
  });

  it('filters by status on the server', async () => {
    expect((await listAgents(db, orgs.acme, { status: 'online' }, now)).items.map((a) => a.name)).toEqual(['up']);
    expect((await listAgents(db, orgs.acme, { status: 'offline' }, now)).items.map((a) => a.name)).toEqual(['down', 'never']);
    expect((await listAgents(db, orgs.other, { status: 'online' }, now)).total).toBe(0);
  });

  it('pages', async () => {
    const page = await listAgents(db, orgs.acme, { page: 2, pageSize: 2 }, now);
    expect(page.total).toBe(3);
    expect(page.items.map((a) => a.name)).toEqual(['up']);
  });
});

describe('verifyCredentials', () => {
  it('signs a user into the org whose password matches', async () => {
    expect(await verifyCredentials(db, 'same@example.test', 'acme-password')).toMatchObject({ orgId: orgs.acme, role: 'admin' });
    expect(await verifyCredentials(db, 'SAME@example.test ', 'other-password')).toMatchObject({ orgId: orgs.other, role: 'developer' });
  });

  it('refuses a wrong password, an unknown e-mail and a service account', async () => {
    expect(await verifyCredentials(db, 'same@example.test', 'nope')).toBeNull();
    expect(await verifyCredentials(db, 'nobody@example.test', 'acme-password')).toBeNull();
    expect(await verifyCredentials(db, 'robot@example.test', 'robot-password')).toBeNull();
  });
});
