import { createDb, type Db, seedAgent, seedConnection, seedOrg, seedUser } from '@hoop/db';
import { createTestDatabase, type TestDatabase } from '@hoop/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from './root';

/** Who may call what: every procedure, as every role, as nobody, as a disabled user and as another org's admin. */
let database: TestDatabase;
let db: Db;
const users: Record<string, string> = {};

beforeAll(async () => {
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('DATABASE_URL must point at a Postgres server for these tests (npm test sets it)');
  database = await createTestDatabase(server, 'web_api');
  db = createDb(database.url, { max: 2 });
  const acme = (await seedOrg(db, { name: 'Acme' })).id;
  const other = (await seedOrg(db, { name: 'Other' })).id;
  for (const role of ['admin', 'reviewer', 'auditor', 'developer']) users[role] = (await seedUser(db, acme, { role })).id;
  users.disabled = (await seedUser(db, acme, { role: 'admin' })).id;
  await db.user.update({ where: { id: users.disabled }, data: { disabledAt: new Date() } });
  users.otherAdmin = (await seedUser(db, other, { role: 'admin' })).id;
  const agent = (await seedAgent(db, acme, { name: 'acme-agent' })).agent;
  await seedConnection(db, acme, { name: 'acme-db', agentId: agent.id });
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const as = (who: string | null) => createCaller({ db, userId: who ? (users[who] ?? null) : null, headers: new Headers() });

async function outcome(call: () => Promise<{ items: { name: string }[] }>): Promise<string> {
  try {
    const r = await call();
    return `ok:${r.items.map((i) => i.name).join(',')}`;
  } catch (err) {
    return err instanceof TRPCError ? err.code : `unexpected:${String(err)}`;
  }
}

const PROCEDURES = {
  'connection.list': (who: string | null) => as(who).connection.list({}),
  'agent.list': (who: string | null) => as(who).agent.list({}),
};

const EXPECTED: Record<keyof typeof PROCEDURES, Record<string, string>> = {
  'connection.list': { admin: 'ok:acme-db', reviewer: 'ok:acme-db', auditor: 'ok:acme-db', developer: 'ok:acme-db', anonymous: 'UNAUTHORIZED', disabled: 'UNAUTHORIZED', otherAdmin: 'ok:' },
  'agent.list': { admin: 'ok:acme-agent', reviewer: 'FORBIDDEN', auditor: 'ok:acme-agent', developer: 'FORBIDDEN', anonymous: 'UNAUTHORIZED', disabled: 'UNAUTHORIZED', otherAdmin: 'ok:' },
};

describe('authorization', () => {
  for (const [name, call] of Object.entries(PROCEDURES)) {
    for (const [who, expected] of Object.entries(EXPECTED[name as keyof typeof PROCEDURES])) {
      it(`${name} as ${who} → ${expected}`, async () => {
        expect(await outcome(() => call(who === 'anonymous' ? null : who))).toBe(expected);
      });
    }
  }
});
