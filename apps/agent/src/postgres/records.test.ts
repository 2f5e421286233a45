import { Duplex } from 'node:stream';
import { createTargetDatabase } from '@hoop/devstack';
import { createLogger } from '@hoop/log';
import { BackendParser, bind, execute, parse, query, startupMessage, sync, terminate } from '@hoop/pgwire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelRegistry } from './cancel';
import { allowAll, type PgSessionHooks } from './hooks';
import { SessionRecords } from './records';
import { servePostgres } from './session';
import { targetConfigFrom } from './target';

describe('a session’s audit records', () => {
  it('keeps the order they were asked for in, whichever wait for the answer to be written', async () => {
    const trail: string[] = [];
    const errors: string[] = [];
    const a = new SessionRecords(
      (type, data) => trail.push(`a ${type} ${data.sql ?? ''}`),
      (err) => errors.push(err.message),
    );
    const b = new SessionRecords(
      (type) => trail.push(`b ${type}`),
      () => undefined,
    );
    a.record('session.ready', {});
    a.later((emit) => emit('statement', { sql: 'select 1' }));
    b.later((emit) => emit('statement', {}));
    // asked for while select 1's record waits: behind it, never before it
    a.record('statement', { sql: 'truncate t' });
    a.later(() => {
      throw new Error('no record');
    });
    a.record('session.close', {});
    // nothing that waits is made before its answers are about to be written
    expect(trail).toEqual(['a session.ready ']);
    a.beforeWrite();
    expect(trail).toEqual(['a session.ready ', 'a statement select 1', 'a statement truncate t', 'a session.close ']);
    b.beforeWrite();
    expect(trail.at(-1)).toBe('b statement');
    expect(errors).toEqual(['no record']);
    // nothing waits any more: a record is made at once again
    a.record('statement', { sql: 'select 2' });
    expect(trail.at(-1)).toBe('a statement select 2');
  });
});

describe('a Postgres session’s statement records', () => {
  let target: Awaited<ReturnType<typeof createTargetDatabase>>;
  beforeAll(async () => {
    target = await createTargetDatabase('records');
  });
  afterAll(async () => {
    await target.drop();
  });

  /** A session of `client` on the target database, through the agent, with these hooks; resolves once it closed. */
  function session(client: Duplex, hooks: PgSessionHooks, audit: (type: string, data: Record<string, unknown>) => void): Promise<void> {
    const u = new URL(target.url);
    const cfg = targetConfigFrom({ host: u.hostname, port: Number(u.port), database: u.pathname.slice(1), user: u.username, sslmode: 'disable' });
    if (typeof cfg === 'string') throw new Error(cfg);
    const closed = new Promise<void>((resolve) => {
      servePostgres(client, {
        sessionId: 's',
        target: cfg,
        password: u.password ? decodeURIComponent(u.password) : null,
        readOnly: false,
        maxMessage: 1 << 20,
        hooks,
        cancels: new CancelRegistry(),
        log: createLogger('test', 'error'),
        audit: (type, data) => {
          audit(type, data);
          if (type === 'session.close') resolve();
        },
      });
    });
    client.push(startupMessage({ user: u.username, database: u.pathname.slice(1) }));
    return closed;
  }

  it('are made before the answer they describe is written, in the order of the statements, with their counts', async () => {
    /** what happened, in order: each answer's end written to the client, each record */
    const events: string[] = [];
    const parser = new BackendParser();
    let answered = 0;
    const client = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        parser.push(chunk, (m) => {
          if (m.type !== 'ReadyForQuery') return;
          if (answered > 0) events.push(`answer ${answered}`);
          // the session is ready: three rounds in one write; all three answered: the client leaves
          if (answered === 0) client.push(Buffer.concat([query('select 1'), query('select generate_series(1, 3)'), query('select 2')]));
          if (answered === 3) client.push(terminate());
          answered++;
        });
        cb();
      },
    });
    let masked = 0;
    const hooks = { ...allowAll, rowMasker: () => null, takeMaskCounts: () => ({ email: ++masked }) };
    await session(client, hooks, (type, data) =>
      events.push(type === 'statement' ? `record ${data.sql} rows=${data.rows} masked=${JSON.stringify(data.masked)}` : `record ${type}`),
    );
    const statements = events.filter((e) => e.startsWith('record select'));
    expect(statements).toEqual([
      'record select 1 rows=1 masked={"email":1}',
      'record select generate_series(1, 3) rows=3 masked={"email":2}',
      'record select 2 rows=1 masked={"email":3}',
    ]);
    for (const [i, sql] of ['select 1', 'select generate_series(1, 3)', 'select 2'].entries()) {
      expect(events.indexOf(`answer ${i + 1}`), events.join('\n')).toBeGreaterThanOrEqual(0);
      // on disk before the client has the answer: an agent killed between the two leaves no answered statement unrecorded
      const recorded = events.findIndex((e) => e.startsWith(`record ${sql} `));
      expect(recorded).toBeGreaterThanOrEqual(0);
      expect(recorded, events.join('\n')).toBeLessThan(events.indexOf(`answer ${i + 1}`));
    }
    expect(events[0]).toBe('record session.ready');
    expect(events.at(-1)).toBe('record session.close');
  });

  it('mask a statement’s text while the target runs it, and show the masked text', async () => {
    /** when each text was masked, and when the client had each answer (performance.now()) */
    const maskedAt = new Map<string, number>();
    const answeredAt: number[] = [];
    const records: string[] = [];
    const parser = new BackendParser();
    const simple = "select pg_sleep(0.3), 'secret-1'";
    const prepared = "select pg_sleep(0.3), 'secret-2', $1::text";
    let ready = 0;
    const client = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        parser.push(chunk, (m) => {
          if (m.type !== 'ReadyForQuery') return;
          if (ready > 0) answeredAt.push(performance.now());
          if (ready === 0) client.push(query(simple));
          if (ready === 1) client.push(Buffer.concat([parse('', prepared), bind('', '', ['x']), execute(), sync()]));
          if (ready === 2) client.push(terminate());
          ready++;
        });
        cb();
      },
    });
    const hooks = {
      ...allowAll,
      maskAudit: (t: string) => {
        if (!maskedAt.has(t)) maskedAt.set(t, performance.now());
        return t.replace(/secret-\d/g, '***');
      },
    };
    await session(client, hooks, (type, data) => {
      if (type === 'statement') records.push(String(data.sql));
    });
    expect(records).toEqual(["select pg_sleep(0.3), '***'", "select pg_sleep(0.3), '***', $1::text"]);
    // masked right after it was written to the target, so at least the target's 0.3 s before its answer came back
    expect(answeredAt[0]! - maskedAt.get(simple)!).toBeGreaterThanOrEqual(250);
    expect(answeredAt[1]! - maskedAt.get(prepared)!).toBeGreaterThanOrEqual(250);
  });
});
