import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordSession, sqlSessionEvents } from '@hoop/core/testing';
import { createDb, type Db } from '@hoop/db';
import { createTestDatabase, seedAgent, seedApiToken, seedConnection, seedOrg, seedUser, type TestDatabase } from '@hoop/db/testing';
import { testServerUrl } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { AgentRegistry } from '../agent-link/registry';
import { serveApi } from './api-test-server';

/**
 * The API's answers to bad requests keep the words and statuses the CLI has always shown after `hoop:` (the use cases
 * moved to @hoop/core, whose pages word them as sentences): a session id that is not a UUID is a bad request, a session
 * one may not see is not found, a rejected body names the field in the schema's words, an invalid policy lists its
 * problems as the policy schema does.
 */
let database: TestDatabase;
let db: Db;
let pool: pg.Pool;
let server: Server;
let base = '';
const tokens = { admin: '', developer: '' };
let adminSession = '';

beforeAll(async () => {
  database = await createTestDatabase(testServerUrl(), 'gateway_api_words');
  db = createDb(database.url, { max: 3 });
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined);
  const acme = (await seedOrg(db, { name: 'Acme' })).id;
  const admin = await seedUser(db, acme, { role: 'admin' });
  const developer = await seedUser(db, acme, { role: 'developer' });
  tokens.admin = (await seedApiToken(db, admin.id)).token;
  tokens.developer = (await seedApiToken(db, developer.id)).token;
  const agent = (await seedAgent(db, acme, { name: 'acme-agent' })).agent;
  const connectionId = (await seedConnection(db, acme, { name: 'acme-db', agentId: agent.id })).id;
  adminSession = await recordSession(db, { orgId: acme, userId: admin.id, connectionId, events: sqlSessionEvents() });

  const encryptionKey = randomBytes(32);
  const deps = {
    db,
    pool,
    agents: new AgentRegistry(db, encryptionKey, createLogger('api-words-test', 'error')),
    webUrl: 'http://web.test',
    encryptionKey,
    slack: { invalidate: () => undefined },
    auditKeys: new Map(),
  };
  ({ server, base } = await serveApi(deps));
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await db?.$disconnect();
  await database?.drop();
});

/** The status and the body's `error` (or the text, for an answer that is not JSON). */
async function ask(who: keyof typeof tokens | null, method: string, path: string, body?: unknown): Promise<{ status: number; error: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as { error?: string }) : null;
  return { status: res.status, error: json?.error ?? text };
}

describe('sessions', () => {
  it('refuses an id that is not a UUID as a bad request', async () => {
    expect(await ask('admin', 'GET', '/api/sessions/not-a-session')).toEqual({ status: 400, error: 'a session id is a UUID' });
    expect(await ask('admin', 'GET', '/api/sessions/not-a-session/export?format=csv')).toEqual({ status: 400, error: 'a session id is a UUID' });
  });

  it('does not find a session that does not exist or is not the caller’s, in the same words', async () => {
    const unknown = randomUUID();
    const notFound = (id: string) => ({ status: 404, error: `session ${id} does not exist or is not yours to see` });
    expect(await ask('admin', 'GET', `/api/sessions/${unknown}`)).toEqual(notFound(unknown));
    expect(await ask('developer', 'GET', `/api/sessions/${adminSession}`)).toEqual(notFound(adminSession));
    expect(await ask('developer', 'GET', `/api/sessions/${adminSession}/export`)).toEqual(notFound(adminSession));
    // an unknown session is said before an unknown format
    expect(await ask('admin', 'GET', `/api/sessions/${unknown}/export?format=xml`)).toEqual(notFound(unknown));
  });

  it('names the export formats for one it does not know, and exports the session otherwise', async () => {
    expect(await ask('admin', 'GET', `/api/sessions/${adminSession}/export?format=xml`)).toEqual({ status: 400, error: 'format is jsonl, csv or cast' });
    const jsonl = await ask('admin', 'GET', `/api/sessions/${adminSession}/export`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.error.trim().split('\n')).toHaveLength(sqlSessionEvents().length);
    // a SQL session has no terminal recording: said, rather than an empty recording
    const cast = await ask('admin', 'GET', `/api/sessions/${adminSession}/export?format=cast`);
    expect(cast.status).toBe(400);
    expect(cast.error).toMatch(/only terminal sessions have a recording/);
  });
});

describe('request bodies', () => {
  it('words a rejected field as its schema does, without a sentence ending', async () => {
    expect(await ask('admin', 'POST', '/api/service-accounts', { name: 'Not A Name' })).toEqual({
      status: 400,
      error: 'a service account name is 2–63 lowercase letters, digits and dashes',
    });
    expect(await ask('admin', 'POST', '/api/service-accounts', { name: 'ci-bot', expiresInDays: 0 })).toEqual({
      status: 400,
      error: 'expiresInDays is a whole number from 1 to 365',
    });
    expect(await ask('developer', 'POST', '/api/access-requests', {})).toEqual({ status: 400, error: 'connection is required' });
  });

  it('names the field where zod’s own words do not', async () => {
    const r = await ask(null, 'POST', '/api/cli-login', { clientName: 'x'.repeat(201) });
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^clientName: Too big/);
    expect(r.error).not.toMatch(/\.$/);
  });

  it('keeps an adapter’s own words', async () => {
    expect(await ask('admin', 'PUT', '/api/integrations/slack', { botToken: 'nope', defaultChannel: '#x' })).toEqual({
      status: 400,
      error: 'botToken: botToken must be a Slack bot token (xoxb-…)',
    });
  });

  it('lists an invalid policy’s problems as the policy schema does, and stores nothing', async () => {
    const r = await ask('admin', 'PUT', '/api/policies', { name: 'bad', guardrails: { rules: [{ id: 'Bad Id', action: 'maybe', match: {} }] } });
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^invalid policy:\n {2}- guardrails\.rules\.0\.id: /);
    expect(await db.policy.count({ where: { name: 'bad' } })).toBe(0);
  });
});
