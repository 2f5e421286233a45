import { randomBytes } from 'node:crypto';
import { createDb, type Db, verifyAdminEvents } from '@hoop/db';
import { createTestDatabase, seedOrg, seedUser, testServerUrl, type TestDatabase } from '@hoop/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from './root';

let database: TestDatabase;
let db: Db;
let orgId = '';
let adminId = '';
const ENCRYPTION_KEY = randomBytes(32).toString('hex');

beforeAll(async () => {
  const server = testServerUrl();
  database = await createTestDatabase(server, 'web_trail');
  db = createDb(database.url, { max: 2 });
  orgId = (await seedOrg(db, { name: 'Trail' })).id;
  adminId = (await seedUser(db, orgId, { role: 'admin', email: 'boss@trail.test' })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe('admin trail of the web app', () => {
  it('records each change with who made it, keeps secrets out, and chains the entries', async () => {
    const as = createCaller({ db, userId: adminId, headers: new Headers(), encryptionKey: ENCRYPTION_KEY, gatewayUrl: 'http://127.0.0.1:9' });
    await as.integration.saveSlack({
      botToken: 'xoxb-very-secret-token',
      signingSecret: '0123456789abcdef0123',
      defaultChannel: '#ops',
      notifyBlocked: true,
      enabled: true,
    } as never);
    await as.agent.create({ name: 'eu-west' });
    await as.integration.getSlack({}).catch(() => null); // a read is not a change
    const rows = await db.adminEvent.findMany({ where: { orgId }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.seq, r.action, r.target, r.actor])).toEqual([
      [0, 'integration.saveSlack', 'integration', 'boss@trail.test'],
      [1, 'agent.create', 'agent:eu-west', 'boss@trail.test'],
    ]);
    const text = JSON.stringify(rows.map((r) => r.data));
    expect(text).not.toContain('xoxb-very-secret-token');
    expect(text).not.toContain('0123456789abcdef0123');
    expect(text).toContain('"botToken":"(set)"');
    expect(text).toContain('#ops');
    expect(await verifyAdminEvents(db, orgId)).toEqual({ ok: true, events: 2 });
  });
});
