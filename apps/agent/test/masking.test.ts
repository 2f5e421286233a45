import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, psql, type TestStack, startTestStack, waitFor } from '@hoop/devstack';
import { demoCustomers } from '@hoop/devstack/demo-data';
import { skipWithout } from '@hoop/devstack/tools';

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let conn: Awaited<ReturnType<TestStack['connect']>>;
const rows = demoCustomers(200, 7);

beforeAll(async () => {
  target = await createTargetDatabase('masking');
  await target.query(
    `CREATE TABLE customers (id serial PRIMARY KEY, full_name text NOT NULL, email text NOT NULL, phone text, card_number text, ssn text,
    iban text, address text, date_of_birth date, ip_address inet, notes text, plan text NOT NULL, ` +
      'balance_cents bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const r of rows) {
    await target.query(
      'insert into customers (full_name, email, phone, card_number, ssn, iban, address, date_of_birth, ip_address, notes, plan, balance_cents) values ' +
        '($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)',
      [r.full_name, r.email, r.phone, r.card_number, r.ssn, r.iban, r.address, r.date_of_birth, r.ip_address, r.notes, r.plan, r.balance_cents],
    );
  }
  stack = await startTestStack();
  await stack.addPostgresConnection('masked', target.url);
  await stack.startAgent();
  conn = await stack.connect('masked');
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

const secrets = () => rows.flatMap((r) => [r.email, r.card_number, r.card_number.replace(/ /g, ''), r.ssn, r.iban, r.full_name, r.address, r.phone]);

describe('masking through the real stack', () => {
  it.skipIf(noPsql)('psql: every row comes back with its structure, no raw PII anywhere', async () => {
    const r = await psql(conn.url, ['-A', '-F', '\t', '-c', 'select * from customers order by id']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('id\tfull_name\temail\tphone\tcard_number\tssn\tiban\taddress\tdate_of_birth\tip_address\tnotes\tplan\tbalance_cents\tcreated_at');
    expect(lines).toHaveLength(rows.length + 2);
    for (const s of secrets()) expect(r.stdout).not.toContain(s);
    const first = lines[1]!.split('\t');
    expect(first.slice(0, 10)).toEqual(['1', '[NAME]', '[EMAIL]', '[PHONE]', '[CARD]', '[SSN]', '[IBAN]', '[ADDRESS]', '', '']);
    expect(first[11]).toBe(rows[0]!.plan);
    expect(first[12]).toBe(String(rows[0]!.balance_cents));
  });

  it('pg: text and binary result formats decode, non-text PII columns become NULL', async () => {
    for (const binary of [false, true]) {
      const client = new pg.Client({ connectionString: conn.url, binary } as pg.ClientConfig);
      await client.connect();
      const res = await client.query(
        'select id, email, notes, date_of_birth, ip_address, balance_cents, created_at from customers where id <= $1 order by id',
        [3],
      );
      expect(res.rows).toHaveLength(3);
      for (const [i, row] of res.rows.entries()) {
        expect(Number(row.id)).toBe(i + 1);
        expect(row.email).toBe('[EMAIL]');
        expect(row.date_of_birth).toBeNull();
        expect(row.ip_address).toBeNull();
        // (node-postgres misreads binary int8 for every client, so the amount is checked in text format only)
        if (!binary) expect(String(row.balance_cents)).toBe(String(rows[i]!.balance_cents));
        expect(row.created_at).toBeInstanceOf(Date);
        expect(JSON.stringify(row)).not.toContain(rows[i]!.email);
      }
      expect(res.rows[0].notes).toMatch(/^refund \[CARD\] requested by \[EMAIL\]$/);
      await client.end();
    }
  });

  it.skipIf(noPsql)('masks COPY TO STDOUT and values echoed in error messages', async () => {
    const copy = await psql(conn.url, ['-c', '\\copy (select email, notes from customers order by id) to stdout']);
    expect(copy.stdout.split('\n')[0]).toBe('[EMAIL]\trefund [CARD] requested by [EMAIL]');
    for (const s of secrets()) expect(copy.stdout).not.toContain(s);
    const err = await psql(conn.url, ['-c', `select '${rows[0]!.email}'::int`]);
    expect(err.stderr).toContain('invalid input syntax for type integer: "[EMAIL]"');
    expect(err.stderr).not.toContain(rows[0]!.email);
  });

  it('records masked counts, and never raw PII, in the audit trail', async () => {
    await stack.cli(['exec', 'masked', '-i', `select email, card_number from customers where email = '${rows[1]!.email}'`]);
    const isHit = (e: { data: unknown }) => (e.data as { sql?: string }).sql?.includes("where email = '[EMAIL]'");
    // the statement's record, and its session's close, once stored
    const events = await waitFor('the statement and its session’s close in the audit trail', async () => {
      const all = await stack.db.auditEvent.findMany({ where: { type: 'statement' } });
      const hit = all.find(isHit);
      if (!hit) return null;
      return (await stack.db.auditEvent.count({ where: { sessionId: hit.sessionId, type: 'session.close' } })) ? all : null;
    });
    const all = JSON.stringify(events.map((e) => e.data));
    for (const s of secrets()) expect(all).not.toContain(s);
    const hit = events.find(isHit);
    expect((hit?.data as { masked?: Record<string, number> } | undefined)?.masked).toMatchObject({ email: 1, card: 1 });
    // and the session's totals when it closes
    const close = await stack.db.auditEvent.findFirst({ where: { sessionId: hit!.sessionId, type: 'session.close' } });
    expect((close?.data as { masked?: Record<string, number> } | undefined)?.masked).toMatchObject({ email: 1, card: 1 });
  });
});
