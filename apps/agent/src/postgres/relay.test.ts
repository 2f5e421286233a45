import { describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser, type FieldDescription, type FrontendMessage, FrontendParser, MessageBuffer } from '@hoop/pgwire';
import * as w from '@hoop/pgwire';
import { createMasker } from '@hoop/pipeline';
import type { PgSessionHooks } from './hooks';
import { rowMaskerFor } from './masking';
import { QueryRelay } from './relay';

const TEXT = 25;
const INT4 = 23;

/** A relay with the real masker and every statement allowed; what it sends the client is parsed back. */
function session() {
  const masker = createMasker();
  const hooks: PgSessionHooks = {
    judge: () => ({ action: 'allow' }),
    rowMasker: (columns) => rowMaskerFor(masker, columns),
    maskText: (t) => masker.maskText(t).text,
    maskAudit: (t) => t,
    takeMaskCounts: () => masker.resetCounts() as Record<string, number>,
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
    'I',
  );
  const frontend = new FrontendParser();
  frontend.push(w.startupMessage({ user: 'u' }), () => undefined);
  const backend = new BackendParser();
  return {
    /** what the client sends, through the relay */
    send(...msgs: Buffer[]) {
      frontend.push(Buffer.concat(msgs), (m: FrontendMessage) => relay.fromClient(m));
    },
    /** what the target answers, through the relay; returns the DataRow values the client got */
    answer(...msgs: Buffer[]): (string | null)[][] {
      backend.push(
        Buffer.concat(msgs),
        (m) => relay.fromTarget(m),
        (b, s, e) => relay.dataRow(b, s, e),
      );
      const rows: (string | null)[][] = [];
      new BackendParser().push(client.take() ?? Buffer.alloc(0), (m: BackendMessage) => {
        if (m.type === 'DataRow') rows.push(m.values.map((v) => (v === null ? null : v.toString('utf8'))));
      });
      return rows;
    },
    toTarget,
  };
}

const field = (name: string, typeOid: number, format = 0): Partial<FieldDescription> => ({ name, typeOid, format });
const parameterDescription = () => Buffer.from([0x74, 0, 0, 0, 6, 0, 0]);
const done = (tag = 'SELECT 1') => [w.commandComplete(tag), w.readyForQuery('I')];

describe('rows of the extended protocol are masked after what was described', () => {
  it('masks an Execute with no Describe in its round after the statement described earlier', () => {
    const s = session();
    s.send(w.parse('s1', 'select email, id from users'), w.describe('S', 's1'), w.sync());
    s.answer(w.parseComplete(), parameterDescription(), w.rowDescription([field('email', TEXT), field('id', INT4)]), w.readyForQuery('I'));
    // another statement in between: its result must not decide how s1's rows are read
    s.send(w.query('select 1'));
    expect(s.answer(w.rowDescription([field('?column?', INT4)]), w.dataRow(['1']), ...done())).toEqual([['1']]);
    s.send(w.bind('', 's1'), w.execute(''), w.sync());
    expect(s.answer(w.bindComplete(), w.dataRow(['ann@example.com', '7']), w.dataRow(['bob@example.com', '8']), ...done('SELECT 2'))).toEqual([
      ['[EMAIL]', '7'],
      ['[EMAIL]', '8'],
    ]);
  });

  it('reads the values in the formats Bind asked for', () => {
    const s = session();
    s.send(w.parse('s1', 'select email, n from users'), w.describe('S', 's1'), w.sync());
    s.answer(w.parseComplete(), parameterDescription(), w.rowDescription([field('email', TEXT), field('n', INT4)]), w.readyForQuery('I'));
    const n = Buffer.from([0, 0, 0, 42]);
    s.send(w.bind('', 's1', [], [], [1]), w.execute(''), w.sync());
    // binary text is its UTF-8 bytes; the binary int4 is left as it is
    expect(s.answer(w.bindComplete(), w.dataRow([Buffer.from('ann@example.com'), n]), ...done())).toEqual([['[EMAIL]', n.toString('utf8')]]);
  });

  it("prefers the portal's own description, and keeps each Describe's answer for its own statement", () => {
    const s = session();
    s.send(w.parse('a', 'select email from users'), w.parse('b', 'select plan from users'), w.describe('S', 'a'), w.describe('S', 'b'), w.sync());
    s.answer(
      w.parseComplete(),
      w.parseComplete(),
      parameterDescription(),
      w.rowDescription([field('email', TEXT)]),
      parameterDescription(),
      w.rowDescription([field('plan', TEXT)]),
      w.readyForQuery('I'),
    );
    s.send(w.bind('pb', 'b'), w.bind('pa', 'a'), w.execute('pb'), w.execute('pa'), w.sync());
    expect(s.answer(w.bindComplete(), w.bindComplete(), w.dataRow(['team']), w.commandComplete('SELECT 1'), w.dataRow(['x@y.io']), ...done())).toEqual([
      ['team'],
      ['[EMAIL]'],
    ]);
    s.send(w.bind('p', 'b'), w.describe('P', 'p'), w.execute('p'), w.sync());
    expect(s.answer(w.bindComplete(), w.rowDescription([field('email', TEXT)]), w.dataRow(['x@y.io']), ...done())).toEqual([['[EMAIL]']]);
  });

  it('answers pipelined rounds in order (a statement described in one round, run in the next, sent together)', () => {
    const s = session();
    s.send(w.parse('s1', 'select email from users'), w.describe('S', 's1'), w.sync(), w.bind('', 's1'), w.execute(''), w.sync());
    const rows = s.answer(
      w.parseComplete(),
      parameterDescription(),
      w.rowDescription([field('email', TEXT)]),
      w.readyForQuery('I'),
      w.bindComplete(),
      w.dataRow(['ann@example.com']),
      ...done(),
    );
    expect(rows).toEqual([['[EMAIL]']]);
  });

  it('searches every text value, and withholds every binary one, of rows it knows nothing about', () => {
    const s = session();
    s.send(w.parse('s1', 'select 1'), w.bind('', 's1', [], [], [0, 1]), w.execute(''), w.sync());
    expect(s.answer(w.parseComplete(), w.bindComplete(), w.dataRow(['mail ann@example.com', Buffer.from([0, 0, 0, 1])]), ...done())).toEqual([
      ['mail [EMAIL]', null],
    ]);
  });

  it('still masks a simple query after its RowDescription, and statements without rows (NoData) change nothing', () => {
    const s = session();
    s.send(w.parse('u', 'update t set x = 1'), w.describe('S', 'u'), w.bind('', 'u'), w.execute(''), w.sync());
    expect(s.answer(w.parseComplete(), parameterDescription(), w.noData(), w.bindComplete(), ...done('UPDATE 1'))).toEqual([]);
    s.send(w.query('select email from users'));
    expect(s.answer(w.rowDescription([field('email', TEXT)]), w.dataRow(['ann@example.com']), ...done())).toEqual([['[EMAIL]']]);
  });
});
