import pg from 'pg';
import { migrate } from './migrate';
import { databaseUrlFromEnv } from './env';

/** `@hoop/db/testing`: the row factories (seedOrg, seedUser, …) the tests and the demo seed share, and test databases. */
export * from './factories';

/**
 * Fresh, migrated databases for integration tests: the first call migrates a template database, every call after
 * that clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds. Only servers on this machine are accepted.
 */
const TEMPLATE = 'hoop_test_template';

function assertLocal(url: string): URL {
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) {
    throw new Error(`refusing to create test databases on ${u.hostname}: test servers must be on localhost`);
  }
  return u;
}

function withDatabase(url: URL, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(url: URL, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

let templateReady: Promise<void> | null = null;

async function prepareTemplate(url: URL): Promise<void> {
  await admin(url, async (c) => {
    await c.query('SELECT pg_advisory_lock(72707370)');
    try {
      const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEMPLATE]);
      if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${TEMPLATE}`);
      await migrate(withDatabase(url, TEMPLATE));
    } finally {
      await c.query('SELECT pg_advisory_unlock(72707370)');
    }
  });
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** The Postgres server tests make their databases on (`DATABASE_URL`; `npm test` sets it). */
export function testServerUrl(): string {
  const server = databaseUrlFromEnv();
  if (!server) throw new Error('DATABASE_URL must point at a Postgres server for these tests (npm test sets it)');
  return server;
}

export async function createTestDatabase(serverUrl: string, label = 'test'): Promise<TestDatabase> {
  const url = assertLocal(serverUrl);
  templateReady ??= prepareTemplate(url);
  await templateReady;
  const name = `hoop_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(url, async (c) => {
    // a template may not have other sessions while being copied; retry briefly if another worker is migrating it
    for (let i = 0; ; i++) {
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
        return;
      } catch (err) {
        if (i > 40 || !/being accessed/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
      }
    }
  });
  return {
    url: withDatabase(url, name),
    name,
    drop: () => admin(url, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}

/** A plain database (no hoop schema), e.g. to act as a target behind a connection. */
export async function createScratchDatabase(serverUrl: string, label = 'target'): Promise<TestDatabase> {
  const url = assertLocal(serverUrl);
  const name = `hoop_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(url, async (c) => void (await c.query(`CREATE DATABASE ${name}`)));
  return {
    url: withDatabase(url, name),
    name,
    drop: () => admin(url, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
