import { beforeAll, describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser, type FrontendMessage, FrontendParser, MessageBuffer } from '@hoop/pgwire';
import * as w from '@hoop/pgwire';
import { evaluate, initGuard, parsePolicy } from '@hoop/pipeline';
import type { ReviewUpdate } from '../session/hooks';
import { type ReviewSubject, reviewDigest, reviewText } from '../session/review-subject';
import { allowAll, type PgSessionHooks } from './hooks';
import { QueryRelay } from './relay';

/**
 * What reaches the target, and when, for statements held for review and for prepared statements whose fate an earlier
 * round decides: every run of a statement that needs review is held once more, and nothing is judged by a text the
 * target may not have. End to end (real gateway, agent, Postgres, pg): apps/agent/test/review-each-run.test.ts.
 */

const UPDATE = 'UPDATE accounts SET email = $1 WHERE id = $2';

beforeAll(() => initGuard());

function session(txStatus: 'I' | 'T' | 'E' = 'I') {
  const policy = parsePolicy({
    name: 'accounts',
    guardrails: { rules: [{ id: 'accounts-write', action: 'review', match: { kinds: ['write'], tables: ['accounts'] } }] },
  });
  const requests: { subject: ReviewSubject; digest: string; text: string; decide(status: ReviewUpdate['status']): Promise<void> }[] = [];
  const hooks: PgSessionHooks = {
    ...allowAll,
    judge: (sql) => {
      const d = evaluate(sql, policy);
      return { action: d.action, ruleId: d.ruleId, message: d.reason, sqlstate: d.sqlstate };
    },
    requestReview: ({ sql, subject }, onUpdate) => {
      const about = subject ?? { sql };
      const reviewId = `review-${requests.length + 1}`;
      requests.push({
        subject: about,
        digest: reviewDigest(about),
        text: reviewText(about, (t) => t),
        decide: async (status) => {
          onUpdate({ status, reviewId });
          // the relay handles a decision in a microtask
          await Promise.resolve();
          await Promise.resolve();
        },
      });
      return () => undefined;
    },
  };
  const client = new MessageBuffer();
  const toTarget: Buffer[] = [];
  const relay = new QueryRelay(
    {
      client,
      toTarget: (b) => toTarget.push(Buffer.from(b)),
      audit: () => undefined,
      auditWithAnswer: () => undefined,
      flush: () => undefined,
      terminate: () => undefined,
    },
    hooks,
    txStatus,
  );
  const frontend = new FrontendParser();
  frontend.push(w.startupMessage({ user: 'u' }), () => undefined);
  return {
    requests,
    /** client bytes the relay holds, not passed on yet */
    held: () => relay.heldBytes,
    send(...msgs: Buffer[]) {
      frontend.push(Buffer.concat(msgs), (m: FrontendMessage) => relay.fromClient(m));
    },
    /** the target's answers, through the relay */
    answer(...msgs: Buffer[]) {
      new BackendParser().push(
        Buffer.concat(msgs),
        (m) => relay.fromTarget(m),
        (b, s, e) => relay.dataRow(b, s, e),
      );
    },
    /** what the client got since last asked: `type[ code|tag|status]` */
    got(): string[] {
      const out: string[] = [];
      new BackendParser().push(client.take() ?? Buffer.alloc(0), (m: BackendMessage) => {
        if (m.type === 'NoticeResponse') return;
        out.push(
          m.type === 'ErrorResponse'
            ? `${m.type} ${m.fields.C}`
            : m.type === 'CommandComplete'
              ? `${m.type} ${m.tag}`
              : m.type === 'ReadyForQuery'
                ? `${m.type} ${m.status}`
                : m.type,
        );
      });
      return out;
    },
    /** what reached the target since last asked */
    sent(): string[] {
      const out: string[] = [];
      const p = new FrontendParser();
      p.push(w.startupMessage({ user: 'u' }), () => undefined);
      p.push(Buffer.concat(toTarget.splice(0)), (m: FrontendMessage) => {
        if (m.type === 'Query') out.push(`Query ${m.sql}`);
        else if (m.type === 'Parse') out.push(m.sql.includes('hoop refused') ? `Parse ${m.name} <stand-in>` : `Parse ${m.name} ${m.sql}`);
        else if (m.type === 'Bind') out.push(`Bind ${m.portal} ${m.statement} ${m.params.map((v) => v?.toString() ?? 'NULL').join(',')}`);
        else if (m.type === 'Execute') out.push(`Execute ${m.portal}${m.maxRows ? ` ${m.maxRows}` : ''}`);
        else if (m.type === 'Close') out.push(`Close ${m.kind} ${m.name}`);
        else out.push(m.type);
      });
      return out;
    },
  };
}

describe('an approval runs what was approved, once', () => {
  it('is held at Bind with its values; the same statement bound again is held again', async () => {
    const s = session();
    s.send(w.parse('upd', UPDATE), w.bind('', 'upd', ['ann@example.com', '1']), w.execute(''), w.sync());
    expect(s.sent()).toEqual([`Parse upd ${UPDATE}`]);
    expect(s.requests.map((r) => r.text)).toEqual([`${UPDATE}\n-- with the values:\n--   $1 = 'ann@example.com'\n--   $2 = '1'`]);
    await s.requests[0]!.decide('approved');
    expect(s.sent()).toEqual(['Bind  upd ann@example.com,1', 'Execute ', 'Sync']);
    s.answer(w.parseComplete(), w.bindComplete(), w.commandComplete('UPDATE 1'), w.readyForQuery('I'));
    expect(s.got()).toEqual(['ParseComplete', 'BindComplete', 'CommandComplete UPDATE 1', 'ReadyForQuery I']);

    s.send(w.bind('', 'upd', ['eve@example.com', '2']), w.execute(''), w.sync());
    expect(s.sent()).toEqual([]);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.digest).not.toBe(s.requests[0]!.digest);
    await s.requests[1]!.decide('rejected');
    // nothing of the round reached the target: answered here, the queued Execute dropped with it
    expect(s.sent()).toEqual(['Sync']);
    s.answer(w.readyForQuery('I'));
    expect(s.got()).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);
  });

  it('an Execute with a row limit fetches under its approval; once its run is over, the portal is held again', async () => {
    const s = session('T');
    s.send(w.parse('r', `${UPDATE} RETURNING id`), w.bind('p', 'r', ['x@y.io', '1']), w.execute('p', 1), w.sync());
    await s.requests[0]!.decide('approved');
    expect(s.sent()).toEqual([`Parse r ${UPDATE} RETURNING id`, 'Bind p r x@y.io,1', 'Execute p 1', 'Sync']);
    s.answer(w.parseComplete(), w.bindComplete(), w.dataRow(['1']), w.portalSuspended(), w.readyForQuery('T'));
    s.send(w.execute('p', 1), w.sync());
    expect(s.sent()).toEqual(['Execute p 1', 'Sync']);
    expect(s.requests).toHaveLength(1);
    s.answer(w.commandComplete('UPDATE 1'), w.readyForQuery('T'));
    s.send(w.execute('p'), w.sync());
    expect(s.sent()).toEqual([]);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.digest).toBe(s.requests[0]!.digest);
    await s.requests[1]!.decide('rejected');
    // inside a transaction block the refusal aborts it, as a server error would
    expect(s.sent()).toEqual(['Parse hoop_refused <stand-in>', 'Sync']);
  });

  it('SQL PREPARE is not held (it runs nothing); every EXECUTE of it is, by the text it runs', async () => {
    const s = session();
    s.send(w.query(`PREPARE u (text, int) AS ${UPDATE}`));
    expect(s.sent()).toEqual([`Query PREPARE u (text, int) AS ${UPDATE}`]);
    s.answer(w.commandComplete('PREPARE'), w.readyForQuery('I'));
    s.send(w.query("EXECUTE u('a@b.io', 1)"));
    expect(s.sent()).toEqual([]);
    expect(s.requests[0]!.subject.runs).toEqual([{ name: 'u', definition: `PREPARE u (text, int) AS ${UPDATE}` }]);
    await s.requests[0]!.decide('approved');
    expect(s.sent()).toEqual(["Query EXECUTE u('a@b.io', 1)"]);
    s.answer(w.commandComplete('UPDATE 1'), w.readyForQuery('I'));
    s.send(w.query("EXECUTE u('a@b.io', 1)"));
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1]!.digest).toBe(s.requests[0]!.digest);
    // EXPLAIN ANALYZE runs it too
    await s.requests[1]!.decide('rejected');
    s.send(w.query("EXPLAIN ANALYZE EXECUTE u('a@b.io', 1)"));
    expect(s.requests).toHaveLength(3);
  });

  it('EXECUTE sent with the extended protocol: held at Bind with the values and the statement it runs', async () => {
    const s = session();
    s.send(w.query(`PREPARE u (text, int) AS ${UPDATE}`));
    s.answer(w.commandComplete('PREPARE'), w.readyForQuery('I'));
    s.send(w.parse('', 'EXECUTE u($1, $2)'), w.bind('', '', ['a@b.io', '3']), w.execute(''), w.sync());
    expect(s.sent()).toEqual([`Query PREPARE u (text, int) AS ${UPDATE}`, 'Parse  EXECUTE u($1, $2)']);
    expect(s.requests.map((r) => r.text)).toEqual([
      `EXECUTE u($1, $2)\n-- prepared statement 'u', which EXECUTE runs, as prepared:\n--   PREPARE u (text, int) AS ${UPDATE}\n` +
        `-- with the values:\n--   $1 = 'a@b.io'\n--   $2 = '3'`,
    ]);
  });

  it('prepared statements used inside a DO block or a routine body, where the session cannot follow them, are refused', () => {
    const s = session();
    s.send(w.query("do $$ begin execute 'prepare h as select 1'; end $$"));
    expect(s.sent()).toEqual([]);
    expect(s.got()).toEqual(['ErrorResponse 42501', 'ReadyForQuery I']);
  });

  it('EXECUTE of a name the session has not prepared, or has deallocated, is refused', () => {
    const s = session();
    s.send(w.query('EXECUTE nosuch(1)'));
    expect(s.got()).toEqual(['ErrorResponse 26000', 'ReadyForQuery I']);
    s.send(w.query('PREPARE p AS SELECT $1::int'), w.query('EXECUTE p(1)'), w.query('DEALLOCATE ALL; PREPARE p AS SELECT 2'));
    expect(s.sent()).toEqual(['Query PREPARE p AS SELECT $1::int', 'Query EXECUTE p(1)', 'Query DEALLOCATE ALL; PREPARE p AS SELECT 2']);
    s.answer(
      w.commandComplete('PREPARE'),
      w.readyForQuery('I'),
      w.commandComplete('SELECT 1'),
      w.readyForQuery('I'),
      w.commandComplete('DEALLOCATE ALL'),
      w.commandComplete('PREPARE'),
      w.readyForQuery('I'),
    );
    s.got();
    s.send(w.query('DEALLOCATE p'));
    s.answer(w.commandComplete('DEALLOCATE'), w.readyForQuery('I'));
    s.send(w.query('EXECUTE p'));
    expect(s.sent()).toEqual(['Query DEALLOCATE p']);
    expect(s.got()).toEqual(['CommandComplete DEALLOCATE', 'ReadyForQuery I', 'ErrorResponse 26000', 'ReadyForQuery I']);
    expect(s.requests).toHaveLength(0);
  });

  it('a name the session holds cannot be prepared again (42P05, as Postgres says), by Parse or by PREPARE', () => {
    const s = session();
    s.send(w.parse('s', UPDATE), w.sync());
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    s.sent();
    s.got();
    s.send(w.query('PREPARE s AS SELECT 1'), w.parse('s', 'select 1'), w.bind('', 's'), w.execute(''), w.sync());
    expect(s.sent()).toEqual(['Sync']);
    s.answer(w.readyForQuery('I'));
    expect(s.got()).toEqual(['ErrorResponse 42P05', 'ReadyForQuery I', 'ErrorResponse 42P05', 'ReadyForQuery I']);
    // closed and prepared again in one round: the Close goes first there too
    s.send(w.close('S', 's'), w.parse('s', 'select 2'), w.bind('', 's'), w.execute(''), w.sync());
    expect(s.sent()).toEqual(['Close S s', 'Parse s select 2', 'Bind  s ', 'Execute ', 'Sync']);
  });
});

describe('a statement an earlier round replaced, before that round is answered', () => {
  it('a Bind of the unnamed statement waits for it: if the round failed, the target still has the old one', () => {
    const s = session();
    s.send(w.parse('', UPDATE), w.sync());
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    s.sent();
    s.got();
    // the first Parse fails at the target, which then skips the second: its unnamed statement is still the UPDATE
    s.send(w.parse('x', 'select * from missing'), w.parse('', 'select 1'), w.sync(), w.bind('', '', []), w.execute(''), w.sync());
    expect(s.sent()).toEqual(['Parse x select * from missing', 'Parse  select 1', 'Sync']);
    s.answer(w.errorResponse({ severity: 'ERROR', code: '42P01', message: 'relation "missing" does not exist' }), w.readyForQuery('I'));
    // the session does not know which statement the target has now: the Bind is refused, nothing runs
    expect(s.sent()).toEqual(['Sync']);
    s.answer(w.readyForQuery('I'));
    expect(s.got()).toEqual(['ErrorResponse 42P01', 'ReadyForQuery I', 'ErrorResponse 26000', 'ReadyForQuery I']);
    expect(s.requests).toHaveLength(0);
  });

  it('the same, when the round went through: the Bind then runs the new statement', () => {
    const s = session();
    s.send(w.parse('', UPDATE), w.sync());
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    s.sent();
    s.send(w.parse('', 'select 1'), w.sync(), w.bind('', '', []), w.execute(''), w.sync());
    expect(s.sent()).toEqual(['Parse  select 1', 'Sync']);
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    expect(s.sent()).toEqual(['Bind   ', 'Execute ', 'Sync']);
  });

  it('EXECUTE of a name an earlier round closed and prepared again waits, then is judged by what the target kept', async () => {
    const s = session();
    s.send(w.parse('s', UPDATE), w.sync());
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    s.sent();
    s.got();
    s.send(w.parse('x', 'select * from missing'), w.close('S', 's'), w.parse('s', 'select 1'), w.sync(), w.query("EXECUTE s('a@b.io', 1)"));
    expect(s.sent()).toEqual(['Parse x select * from missing', 'Close S s', 'Parse s select 1', 'Sync']);
    expect(s.requests).toHaveLength(0);
    s.answer(w.errorResponse({ severity: 'ERROR', code: '42P01', message: 'relation "missing" does not exist' }), w.readyForQuery('I'));
    // the round failed before its Close: s is still the UPDATE, and EXECUTE of it needs a review
    expect(s.sent()).toEqual([]);
    expect(s.requests.map((r) => r.subject.runs)).toEqual([[{ name: 's', definition: UPDATE }]]);
    await s.requests[0]!.decide('rejected');
    expect(s.got()).toEqual(['ErrorResponse 42P01', 'ReadyForQuery I', 'ErrorResponse 42501', 'ReadyForQuery I']);
  });

  it('statements prepared and run in rounds sent together do not wait when nothing was replaced', () => {
    const s = session();
    s.send(w.parse('s1', 'select $1::int'), w.sync(), w.bind('', 's1', ['1']), w.execute(''), w.sync(), w.query('PREPARE q AS SELECT 1'), w.query('EXECUTE q'));
    expect(s.sent()).toEqual(['Parse s1 select $1::int', 'Sync', 'Bind  s1 1', 'Execute ', 'Sync', 'Query PREPARE q AS SELECT 1', 'Query EXECUTE q']);
  });
});

describe('what the relay holds of the client’s input, for the agent’s memory budget', () => {
  it('counts a held statement and what the client sends behind it until the decision passes them on', async () => {
    const s = session();
    const held = w.query("UPDATE accounts SET email = 'a@b.io' WHERE id = 1");
    s.send(held);
    expect(s.held()).toBe(held.length);
    const behind = [w.query('select 1'), w.parse('', 'select 2'), w.sync()];
    s.send(...behind);
    expect(s.held()).toBe(held.length + Buffer.concat(behind).length);
    await s.requests[0]!.decide('rejected');
    expect(s.held()).toBe(0);
    // rejected, the statement never reached the target; what waited behind it did
    expect(s.sent()).toEqual(['Query select 1', 'Parse  select 2', 'Sync']);
  });

  it('counts what waits for answers to earlier rounds until they are in', () => {
    const s = session();
    s.send(w.parse('', UPDATE), w.sync());
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    s.sent();
    const waiting = [w.bind('', '', []), w.execute(''), w.sync()];
    s.send(w.parse('', 'select 1'), w.sync(), ...waiting);
    expect(s.held()).toBe(Buffer.concat(waiting).length);
    s.answer(w.parseComplete(), w.readyForQuery('I'));
    expect(s.held()).toBe(0);
  });
});
