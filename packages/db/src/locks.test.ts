import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisoryLockSql, HOOP_LOCKS } from './locks';
import { createScratchDatabase, type TestDatabase, testServerUrl } from './testing';

let a: TestDatabase;
let b: TestDatabase;
const clients: pg.Client[] = [];

beforeAll(async () => {
  a = await createScratchDatabase(testServerUrl(), 'locks_a');
  b = await createScratchDatabase(testServerUrl(), 'locks_b');
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => undefined);
  await a?.drop();
  await b?.drop();
});

async function client(db: TestDatabase): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  clients.push(c);
  return c;
}

const tryLock = async (c: pg.Client) => (await c.query<{ got: boolean }>(advisoryLockSql('pg_try_advisory_lock', HOOP_LOCKS.auditPurge))).rows[0]!.got;

describe("hoop's advisory locks", () => {
  it('are held per database: another database on the same server takes its own, the same database waits', async () => {
    const holder = await client(a);
    expect(await tryLock(holder)).toBe(true);
    // another hoop (its own database) on the same server is not held back
    expect(await tryLock(await client(b))).toBe(true);
    // a second gateway of the same hoop is
    const sameDb = await client(a);
    expect(await tryLock(sameDb)).toBe(false);
    await holder.query(advisoryLockSql('pg_advisory_unlock', HOOP_LOCKS.auditPurge));
    expect(await tryLock(sameDb)).toBe(true);
  });

  it('in a transaction, held to its end', async () => {
    const one = await client(a);
    await one.query('BEGIN');
    await one.query(advisoryLockSql('pg_advisory_xact_lock', HOOP_LOCKS.auditChain));
    const other = await client(a);
    const inOther = (await other.query<{ got: boolean }>(advisoryLockSql('pg_try_advisory_lock', HOOP_LOCKS.auditChain))).rows[0]!.got;
    expect(inOther).toBe(false);
    const elsewhere = await client(b);
    expect((await elsewhere.query<{ got: boolean }>(advisoryLockSql('pg_try_advisory_lock', HOOP_LOCKS.auditChain))).rows[0]!.got).toBe(true);
    await one.query('COMMIT');
    expect((await other.query<{ got: boolean }>(advisoryLockSql('pg_try_advisory_lock', HOOP_LOCKS.auditChain))).rows[0]!.got).toBe(true);
  });
});
