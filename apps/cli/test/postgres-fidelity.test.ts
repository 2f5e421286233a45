import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase, runProcess, type TestStack, startTestStack } from '@hoop/devstack';
import { skipWithout } from '@hoop/devstack/tools';

/**
 * Through `hoop connect` a client must not tell hoop from Postgres: its startup settings reach the target (those hoop
 * pins are refused, never dropped), transaction status and ParameterStatus are relayed as sent, and the local port
 * speaks TLS and SCRAM-SHA-256 as a server does.
 */

// needs psql: npm test installs it (postgresql-client); skipped only where it could not and said so
const noPsql = skipWithout('psql');

let stack: TestStack;
let target: Awaited<ReturnType<typeof createTargetDatabase>>;
let rw: Awaited<ReturnType<TestStack['connect']>>;
let ro: Awaited<ReturnType<TestStack['connect']>>;

beforeAll(async () => {
  target = await createTargetDatabase('fidelity');
  await target.query('create schema s1; create table s1.marker (v text); insert into s1.marker values ($$from s1$$); create table items (id int)');
  stack = await startTestStack();
  await stack.addPostgresConnection('fid-rw', target.url);
  await stack.addPostgresConnection('fid-ro', target.url, { readOnly: true });
  await stack.startAgent();
  rw = await stack.connect('fid-rw');
  ro = await stack.connect('fid-ro');
});

afterAll(async () => {
  await stack?.stop();
  await target?.drop();
});

/** psql through hoop with the environment given (PGOPTIONS, …): its exit code, output and errors */
const psqlWith = (url: string, env: NodeJS.ProcessEnv, sql: string) =>
  runProcess('psql', [url, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { PGCONNECT_TIMEOUT: '10', ...env } });

describe('startup settings through hoop connect', () => {
  it('carries every setting the client sends to the target: options, statement_timeout, lock_timeout, any GUC', async () => {
    const c = new pg.Client({
      connectionString: rw.url,
      options: '-c search_path=s1,public -c lock_timeout=1234 --work-mem=5MB',
      statement_timeout: 4321,
      idle_in_transaction_session_timeout: 6789,
      application_name: 'fidelity',
    });
    await c.connect();
    try {
      const r = await c.query(
        "select current_setting('search_path') sp, current_setting('lock_timeout') lt, current_setting('work_mem') wm, " +
          "current_setting('statement_timeout') st, current_setting('idle_in_transaction_session_timeout') it, current_setting('application_name') app, " +
          '(select v from marker) m',
      );
      expect(r.rows[0]).toEqual({ sp: 's1,public', lt: '1234ms', wm: '5MB', st: '4321ms', it: '6789ms', app: 'fidelity', m: 'from s1' });
    } finally {
      await c.end();
    }
  });

  it.skipIf(noPsql)('passes PGOPTIONS on, backslash-escaped spaces included', async () => {
    const r = await psqlWith(
      rw.url,
      { PGOPTIONS: '-c hoop_test.note=two\\ words -c geqo=off' },
      "select current_setting('hoop_test.note'), current_setting('geqo')",
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('two words|off');
  });

  it("a client's statement_timeout bounds its queries: the target cancels them with 57014", async () => {
    const c = new pg.Client({ connectionString: rw.url, statement_timeout: 200 });
    await c.connect();
    try {
      const err = (await c.query('select pg_sleep(20)').catch((e: unknown) => e)) as pg.DatabaseError;
      expect(err.code).toBe('57014');
      expect(err.message).toMatch(/statement timeout/);
      expect((await c.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await c.end();
    }
  });

  it.skipIf(noPsql)('a read-only connection refuses every way of asking for writes at startup, naming the setting', async () => {
    const attempts: NodeJS.ProcessEnv[] = [
      { PGOPTIONS: '-c default_transaction_read_only=off' },
      { PGOPTIONS: '--default-transaction-read-only=off' },
      { PGOPTIONS: '-c DEFAULT_Transaction_Read_Only=OFF' },
      { PGOPTIONS: '-cdefault_transaction_read_only=off' },
      { PGOPTIONS: '-c transaction_read_only=off' },
    ];
    for (const env of attempts) {
      const r = await psqlWith(ro.url, env, 'insert into items values (1)');
      expect(r.code, JSON.stringify(env)).not.toBe(0);
      expect(r.stderr).toMatch(/FATAL: {2}hoop: the setting .*transaction_read_only=off \(options\) is refused: this connection is read-only/i);
    }
    // a startup parameter of its own, in capitals (Postgres reads setting names without regard to case)
    const c = new pg.Client({ connectionString: ro.url });
    // pg sends the startup parameters it knows: this one is added to them
    const startup = c as unknown as { getStartupConf(): Record<string, string> };
    const known = startup.getStartupConf.bind(c);
    startup.getStartupConf = () => ({ ...known(), DEFAULT_TRANSACTION_READ_ONLY: 'off' });
    const err = (await c.connect().then(
      () => c.end().then(() => new Error('the session opened')),
      (e: unknown) => e,
    )) as pg.DatabaseError;
    expect(err.message).toMatch(/the setting DEFAULT_TRANSACTION_READ_ONLY=off \(startup parameter DEFAULT_TRANSACTION_READ_ONLY\) is refused/);
    expect((await target.query('select count(*)::int n from items')).rows[0]?.n).toBe(0);
    // and without them the connection is read-only, as pinned
    const plain = await psqlWith(ro.url, {}, 'show default_transaction_read_only');
    expect(plain.stdout.trim()).toBe('on');
    const write = await psqlWith(ro.url, {}, 'insert into items values (1)');
    expect(write.stderr).toMatch(/read-only/);
  });
});

type Con = {
  on(e: 'readyForQuery', f: (m: { status: string }) => void): void;
  on(e: 'parameterStatus', f: (m: { parameterName: string; parameterValue: string }) => void): void;
};

/** Runs `steps` on a new `pg` session: each one's outcome, the status of each ReadyForQuery, each ParameterStatus after the startup. */
async function trace(url: string, steps: string[]): Promise<{ outcomes: string[]; statuses: string[]; params: string[] }> {
  const c = new pg.Client({ connectionString: url, application_name: 'tracer' });
  const statuses: string[] = [];
  const params: string[] = [];
  const con = (c as unknown as { connection: Con }).connection;
  con.on('readyForQuery', (m) => statuses.push(m.status));
  con.on('parameterStatus', (m) => params.push(`${m.parameterName}=${m.parameterValue}`));
  await c.connect();
  statuses.length = 0;
  params.length = 0;
  const outcomes: string[] = [];
  for (const sql of steps)
    outcomes.push(
      await c.query(sql).then(
        (r) => r.command,
        (e: pg.DatabaseError) => `ERROR ${e.code}`,
      ),
    );
  await c.end();
  return { outcomes, statuses, params };
}

describe('transaction status and ParameterStatus', () => {
  it('are relayed as the target sends them: T, E after an error, I after ROLLBACK; each SET reported, and reported back', async () => {
    const steps = [
      'begin',
      "set TimeZone = 'Asia/Tokyo'",
      "set application_name = 'renamed'",
      'select 1/0',
      'select 1',
      'rollback',
      "set DateStyle = 'SQL, DMY'",
    ];
    const hoop = await trace(rw.url, steps);
    expect(hoop.outcomes).toEqual(['BEGIN', 'SET', 'SET', 'ERROR 22012', 'ERROR 25P02', 'ROLLBACK', 'SET']);
    expect(hoop.statuses).toEqual(['T', 'T', 'T', 'E', 'E', 'I', 'I']);
    expect(hoop.params.slice(0, 2)).toEqual(['TimeZone=Asia/Tokyo', 'application_name=renamed']);
    expect(hoop).toEqual(await trace(target.url, steps));
  });

  it('a statement the guard refuses inside a transaction leaves it failed (E), as a Postgres error would', async () => {
    const hoop = await trace(rw.url, ['begin', 'select 1', 'drop table items', 'select 1', 'commit']);
    expect(hoop.outcomes).toEqual(['BEGIN', 'SELECT', 'ERROR 42501', 'ERROR 25P02', 'ROLLBACK']);
    expect(hoop.statuses).toEqual(['T', 'T', 'E', 'E', 'I']);
  });
});

describe("hoop connect's local port", () => {
  it.skipIf(noPsql)('asks for the password it printed (SCRAM-SHA-256) and refuses a wrong one as Postgres does', async () => {
    expect(rw.password).toMatch(/^[\w-]{20,}$/);
    expect(rw.output()).toMatch(new RegExp(`export DATABASE_URL="postgres://fid-rw:${rw.password}@127\\.0\\.0\\.1:${rw.port}/[^"]*\\?sslmode=prefer"`));
    const wrong = await psqlWith(rw.url.replace(rw.password!, 'not-the-password'), {}, 'select 1');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed/);
    const none = await psqlWith(rw.url.replace(`:${rw.password}@`, '@'), { PGPASSWORD: '' }, 'select 1');
    expect(none.code).not.toBe(0);
    // a client that insists on SCRAM gets it
    const scram = await psqlWith(`${rw.url}&require_auth=scram-sha-256`, {}, 'select 1');
    // (libpq knows require_auth from Postgres 16 on)
    if (!/require_auth/.test(scram.stderr)) expect(scram.stdout.trim(), scram.stderr).toBe('1');
  });

  it.skipIf(noPsql)('speaks TLS: sslmode=require, and verify-full against the CA it printed', async () => {
    const caFile = /sslrootcert=(\S+)/.exec(rw.output())?.[1];
    expect(caFile).toBeTruthy();
    expect(await readFile(caFile!, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    const require = await psqlWith(rw.url.replace('sslmode=disable', 'sslmode=require'), {}, 'select 1');
    expect(require.stdout.trim(), require.stderr).toBe('1');
    const full = await psqlWith(
      rw.url.replace('127.0.0.1', 'localhost').replace('sslmode=disable', `sslmode=verify-full&sslrootcert=${encodeURIComponent(caFile!)}`),
      {},
      'select 1',
    );
    expect(full.stdout.trim(), full.stderr).toBe('1');
    const viaPg = new pg.Client({
      connectionString: rw.url.replace('?sslmode=disable', ''),
      ssl: { ca: await readFile(caFile!, 'utf8'), servername: 'localhost' },
    });
    await viaPg.connect();
    expect((await viaPg.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    await viaPg.end();
  });

  it.skipIf(noPsql)('with --require-tls refuses a client without TLS, saying how to connect', async () => {
    const strict = await stack.connect('fid-rw', { args: ['--require-tls'] });
    try {
      const plain = await psqlWith(strict.url, {}, 'select 1');
      expect(plain.code).not.toBe(0);
      expect(plain.stderr).toMatch(/only over TLS/);
      const ok = await psqlWith(strict.url.replace('sslmode=disable', 'sslmode=require'), {}, 'select 1');
      expect(ok.stdout.trim(), ok.stderr).toBe('1');
    } finally {
      await strict.stop();
    }
  });
});
