import { describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser, type FrontendMessage, FrontendParser, MessageBuffer } from '@hoop/pgwire';
import * as w from '@hoop/pgwire';
import { allowAll, type PgSessionHooks } from './hooks';
import { QueryRelay } from './relay';

/**
 * What the relay sends the target when it refuses a statement: nothing when the target is idle outside a transaction,
 * else a stand-in that fails there. The end-to-end behaviour (25P02, COMMIT → ROLLBACK, savepoints) is in
 * apps/agent/test/refused-in-transaction.test.ts against a real Postgres; this pins what cannot be seen from a client.
 */
function session(txStatus: 'I' | 'T' | 'E') {
  const hooks: PgSessionHooks = {
    ...allowAll,
    judge: (sql) => (/truncate/i.test(sql) ? { action: 'deny', ruleId: 'truncate', message: 'no' } : { action: 'allow' }),
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
    send(...msgs: Buffer[]) {
      frontend.push(Buffer.concat(msgs), (m: FrontendMessage) => relay.fromClient(m));
    },
    /** the target's answers, through the relay; returns what the client got, as `type[:code|:status]` */
    answer(...msgs: Buffer[]): string[] {
      new BackendParser().push(Buffer.concat(msgs), (m) => relay.fromTarget(m));
      return got();
    },
    got,
    /** what reached the target since last asked, as the SQL of each Query and Parse, or the message type */
    sent(): string[] {
      const out: string[] = [];
      const p = new FrontendParser();
      p.push(w.startupMessage({ user: 'u' }), () => undefined);
      p.push(Buffer.concat(toTarget.splice(0)), (m: FrontendMessage) =>
        out.push(m.type === 'Query' || m.type === 'Parse' ? `${m.type}:${m.type === 'Parse' ? `${m.name}:` : ''}${m.sql}` : m.type),
      );
      return out;
    },
  };
  function got(): string[] {
    const out: string[] = [];
    new BackendParser().push(client.take() ?? Buffer.alloc(0), (m: BackendMessage) =>
      out.push(m.type === 'ErrorResponse' ? `ErrorResponse:${m.fields.C}` : m.type === 'ReadyForQuery' ? `ReadyForQuery:${m.status}` : m.type),
    );
    return out;
  }
}

const STAND_IN = /^SELECT 'hoop refused a statement, aborting the transaction \[[0-9a-f]{24}\]'::pg_catalog\.int4$/;
const standInError = (sql: string, code = '22P02') =>
  w.errorResponse({ severity: 'ERROR', code, message: `invalid input syntax for type integer: "${/'(.*)'/.exec(sql)![1]}"` });

describe("a refusal and the target's transaction", () => {
  it('idle outside a transaction, or in one already aborted: answered at once, nothing reaches the target', () => {
    for (const status of ['I', 'E'] as const) {
      const s = session(status);
      s.send(w.query('truncate t'));
      expect(s.got()).toEqual(['ErrorResponse:42501', `ReadyForQuery:${status}`]);
      s.send(w.parse('x', 'truncate t'), w.bind('', 'x'), w.execute(''), w.sync());
      expect(s.got()).toEqual(['ErrorResponse:42501']);
      expect(s.sent()).toEqual(['Sync']);
    }
  });

  it('in a transaction: a stand-in fails at the target, and the client gets the refusal in place of its error', () => {
    const s = session('T');
    s.send(w.query('truncate t'));
    expect(s.got()).toEqual([]);
    const [standIn] = s.sent();
    expect(standIn).toMatch(/^Query:/);
    expect(standIn!.slice('Query:'.length)).toMatch(STAND_IN);
    expect(s.answer(standInError(standIn!), w.readyForQuery('E'))).toEqual(['ErrorResponse:42501', 'ReadyForQuery:E']);
  });

  it('a fast-path function call refused in a transaction aborts it the same way', () => {
    const s = session('T');
    // FunctionCall: oid 1, no argument formats, no arguments, text result
    const call = Buffer.from([0x46, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    s.send(call);
    const [standIn] = s.sent();
    expect(standIn!.slice('Query:'.length)).toMatch(STAND_IN);
    expect(s.answer(standInError(standIn!), w.readyForQuery('E'))).toEqual(['ErrorResponse:42501', 'ReadyForQuery:E']);
  });

  it("in a transaction, extended protocol: the stand-in is a Parse under the refused statement's name", () => {
    const s = session('T');
    s.send(w.parse('s1', 'truncate t'), w.bind('', 's1'), w.execute(''), w.sync());
    const sent = s.sent();
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatch(/^Parse:s1:/);
    expect(sent[0]!.slice('Parse:s1:'.length)).toMatch(STAND_IN);
    expect(sent[1]).toBe('Sync');
    expect(s.answer(standInError(sent[0]!), w.readyForQuery('E'))).toEqual(['ErrorResponse:42501', 'ReadyForQuery:E']);
  });

  it('an earlier error of the round is relayed as it is, and the refusal not added (a round reports one error)', () => {
    const s = session('T');
    s.send(w.parse('', 'select 1/0'), w.bind('', ''), w.execute(''), w.parse('', 'truncate t'), w.bind('', ''), w.execute(''), w.sync());
    expect(s.sent().map((m) => m.replace(/'.*'/, "'…'"))).toEqual(['Parse::select 1/0', 'Bind', 'Execute', "Parse::SELECT '…'::pg_catalog.int4", 'Sync']);
    expect(s.answer(w.parseComplete(), w.errorResponse({ severity: 'ERROR', code: '22012', message: 'division by zero' }), w.readyForQuery('E'))).toEqual([
      'ParseComplete',
      'ErrorResponse:22012',
      'ReadyForQuery:E',
    ]);
  });

  it('the stand-in, first of its round, answered with another error (already aborted, a cancel): still replaced', () => {
    const s = session('T');
    s.send(w.query('select 1'), w.query('truncate t'));
    expect(s.sent()).toHaveLength(2);
    expect(s.answer(w.errorResponse({ severity: 'ERROR', code: '25P02', message: 'current transaction is aborted' }), w.readyForQuery('E'))).toEqual([
      'ErrorResponse:25P02',
      'ReadyForQuery:E',
    ]);
    expect(s.answer(w.errorResponse({ severity: 'ERROR', code: '25P02', message: 'current transaction is aborted' }), w.readyForQuery('E'))).toEqual([
      'ErrorResponse:42501',
      'ReadyForQuery:E',
    ]);
  });
});
