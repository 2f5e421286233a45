import { createDb, type Db, hashSecret } from '@hoop/db';
import { createTestDatabase, seedConnection, seedOrg, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigListener, listenForConfig } from '../notify-fixtures';
import { createAgent } from './create-agent';
import { deleteAgent } from './delete-agent';
import { listAgents } from './list-agents';
import { rotateAgentKey } from './rotate-agent-key';
import { refusal } from '../refusal';

let database: TestDatabase;
let db: Db;
let listener: ConfigListener;
const orgs = { acme: '', other: '' };

/** The gateway's check of an agent key (apps/gateway/src/auth.ts authenticateAgent): a lookup by its SHA-256. */
const accepted = async (key: string) => (await db.agent.findUnique({ where: { keyHash: hashSecret(key) }, select: { name: true } }))?.name ?? null;

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_agents');
  db = createDb(database.url, { max: 2 });
  listener = await listenForConfig(database.url);
  orgs.acme = (await seedOrg(db, { name: 'Acme' })).id;
  orgs.other = (await seedOrg(db, { name: 'Other' })).id;
});

afterAll(async () => {
  await listener?.stop();
  await db?.$disconnect();
  await database?.drop();
});

describe('agent keys', () => {
  it('are returned once at creation and only their hash and prefix are stored', async () => {
    const a = await createAgent(db, orgs.acme, { name: ' eu-west-prod ' });
    expect(a.name).toBe('eu-west-prod');
    expect(a.key).toMatch(/^hoop_agent_[A-Za-z0-9_-]{32}$/);
    expect(a.key.startsWith(a.keyPrefix)).toBe(true);
    const row = await db.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.keyHash).toBe(hashSecret(a.key));
    expect(JSON.stringify(row)).not.toContain(a.key);
    expect(await accepted(a.key)).toBe('eu-west-prod');
    const listed = await listAgents(db, orgs.acme);
    expect(listed.items.map((x) => [x.name, x.status, x.keyPrefix])).toEqual([['eu-west-prod', 'never-connected', a.keyPrefix]]);
    expect(JSON.stringify(listed)).not.toContain(a.key);
  });

  it('are replaced by a rotation: the old key is refused from then on, the new one accepted, and agents told', async () => {
    const a = await createAgent(db, orgs.acme, { name: 'rotating' });
    const told = listener.next(orgs.acme);
    const r = await rotateAgentKey(db, orgs.acme, { id: a.id });
    await told;
    expect(r).toMatchObject({ id: a.id, name: 'rotating' });
    expect(r.key).not.toBe(a.key);
    expect(await accepted(a.key)).toBeNull();
    expect(await accepted(r.key)).toBe('rotating');
    expect((await db.agent.findUniqueOrThrow({ where: { id: a.id } })).keyPrefix).toBe(r.keyPrefix);
    // another org cannot rotate it, and its key keeps working
    expect(await refusal(rotateAgentKey(db, orgs.other, { id: a.id }))).toMatch(/^not_found: /);
    expect(await accepted(r.key)).toBe('rotating');
  });

  it('refuse bad and taken names', async () => {
    expect(await refusal(createAgent(db, orgs.acme, { name: 'EU West' }))).toMatch(/^invalid: The name is lowercase letters, digits/);
    expect(await refusal(createAgent(db, orgs.acme, { name: '' }))).toMatch(/^invalid: Give the agent a name/);
    expect(await refusal(createAgent(db, orgs.acme, { name: 'rotating' }))).toBe(
      "conflict: An agent named “rotating” already exists: choose another name, or replace that agent's key.",
    );
    // names are per org
    expect((await createAgent(db, orgs.other, { name: 'rotating' })).name).toBe('rotating');
  });
});

describe('delete', () => {
  it('is refused while the agent serves connections, naming them', async () => {
    const a = await createAgent(db, orgs.acme, { name: 'busy' });
    for (const name of ['pg-a', 'pg-b', 'pg-c', 'pg-d']) await seedConnection(db, orgs.acme, { name, agentId: a.id });
    expect(await refusal(deleteAgent(db, orgs.acme, { id: a.id }))).toBe(
      'conflict: “busy” still serves 4 connections (pg-a, pg-b, pg-c and 1 more): assign them to another agent, or to none, before deleting it.',
    );
    await db.connection.updateMany({ where: { agentId: a.id }, data: { agentId: null } });
    const told = listener.next(orgs.acme);
    expect(await deleteAgent(db, orgs.acme, { id: a.id })).toEqual({ id: a.id, name: 'busy' });
    await told;
    expect(await accepted(a.key)).toBeNull();
    expect(await refusal(deleteAgent(db, orgs.acme, { id: a.id }))).toMatch(/^not_found: /);
  });
});
