import { describe, expect, it } from 'vitest';
import { type BackendMessage, BackendParser } from './backend';
import { PgWireError } from './errors';
import { type FrontendMessage, FrontendParser, parseSaslInitialResponse } from './frontend';
import * as w from './writer';

function plain(m: FrontendMessage | BackendMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { type: m.type, raw: Buffer.from(m.raw).toString('hex') };
  if (m.type === 'DataRow') out.values = m.values.map((v) => (v === null ? null : v.toString('hex')));
  for (const [k, v] of Object.entries(m))
    if (k !== 'raw' && k !== 'cached')
      out[k] = Buffer.isBuffer(v) ? v.toString('hex') : Array.isArray(v) ? v.map((x) => (Buffer.isBuffer(x) ? x.toString('hex') : x)) : v;
  return out;
}

function parseAll<M extends FrontendMessage | BackendMessage>(
  make: () => { push(c: Uint8Array, f: (m: M) => void): void },
  chunks: Buffer[],
): Record<string, unknown>[] {
  const p = make();
  const got: Record<string, unknown>[] = [];
  for (const c of chunks) p.push(c, (m) => got.push(plain(m)));
  return got;
}

/** The same bytes must parse to the same messages however they are cut. */
function everySplit<M extends FrontendMessage | BackendMessage>(
  make: () => { push(c: Uint8Array, f: (m: M) => void): void },
  bytes: Buffer,
): Record<string, unknown>[] {
  const whole = parseAll(make, [bytes]);
  for (let i = 1; i < bytes.length; i++) expect(parseAll(make, [bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
  expect(
    parseAll(
      make,
      [...bytes].map((b) => Buffer.from([b])),
    ),
  ).toEqual(whole);
  return whole;
}

const frontendStream = Buffer.concat([
  w.startupMessage({ user: 'alice', database: 'shop', application_name: 'psql', client_encoding: 'UTF8' }),
  w.query("select 'héllo', 1; -- ünïcode"),
  w.parse('s1', 'select $1::int, $2::text', [23, 25]),
  w.bind('p1', 's1', ['42', null, Buffer.from([0, 1, 2])], [0, 1], [1]),
  w.describe('P', 'p1'),
  w.execute('p1', 100),
  w.close('S', 's1'),
  w.flush(),
  w.sync(),
  w.copyData(Buffer.from('1\tone\n')),
  w.copyDone(),
  w.copyFail('client gave up'),
  w.passwordMessage('secret'),
  w.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')),
  w.terminate(),
]);

const backendStream = Buffer.concat([
  w.authenticationSasl(['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']),
  w.authenticationSaslContinue(Buffer.from('r=abc,s=c2FsdA==,i=4096')),
  w.authenticationMd5(Buffer.from([1, 2, 3, 4])),
  w.authenticationOk(),
  w.parameterStatus('server_version', '15.4'),
  w.backendKeyData(1234, -99),
  w.readyForQuery('I'),
  w.rowDescription([
    { name: 'id', typeOid: 23, typeSize: 4 },
    { name: 'name', tableOid: 16384, columnAttr: 2 },
  ]),
  w.dataRow(['1', null, Buffer.from('ünï')]),
  w.dataRow([]),
  w.commandComplete('SELECT 2'),
  w.emptyQueryResponse(),
  w.errorResponse({ severity: 'ERROR', code: '42P01', message: 'relation "x" does not exist', hint: 'check the name', position: '15' }),
  w.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'hello' }),
  w.parseComplete(),
  w.bindComplete(),
  w.closeComplete(),
  w.noData(),
  w.portalSuspended(),
  w.copyData(Buffer.from('row\n')),
  w.copyDone(),
  w.readyForQuery('T'),
  w.readyForQuery('E'),
]);

describe('frontend parser', () => {
  it('parses every message type, split at every byte offset, and reproduces the bytes', () => {
    const msgs = everySplit(() => new FrontendParser(), frontendStream);
    expect(msgs.map((m) => m.type)).toEqual([
      'StartupMessage',
      'Query',
      'Parse',
      'Bind',
      'Describe',
      'Execute',
      'Close',
      'Flush',
      'Sync',
      'CopyData',
      'CopyDone',
      'CopyFail',
      'PasswordMessage',
      'PasswordMessage',
      'Terminate',
    ]);
    expect(msgs.map((m) => m.raw).join('')).toBe(frontendStream.toString('hex'));
    expect(msgs[0]).toMatchObject({ params: { user: 'alice', database: 'shop', application_name: 'psql', client_encoding: 'UTF8' }, protocolVersion: 196608 });
    expect(msgs[1]).toMatchObject({ sql: "select 'héllo', 1; -- ünïcode" });
    expect(msgs[2]).toMatchObject({ name: 's1', sql: 'select $1::int, $2::text', paramTypes: [23, 25] });
    expect(msgs[3]).toMatchObject({
      portal: 'p1',
      statement: 's1',
      paramFormats: [0, 1],
      params: [Buffer.from('42').toString('hex'), null, '000102'],
      resultFormats: [1],
    });
    expect(msgs[5]).toMatchObject({ portal: 'p1', maxRows: 100 });
  });

  it('parses SSLRequest, GSSENCRequest and CancelRequest before the startup message', () => {
    const bytes = Buffer.concat([w.sslRequest(), Buffer.from([0, 0, 0, 8, 4, 210, 22, 48]), w.startupMessage({ user: 'u' })]);
    expect(everySplit(() => new FrontendParser(), bytes).map((m) => m.type)).toEqual(['SSLRequest', 'GSSENCRequest', 'StartupMessage']);
    const cancel = parseAll(() => new FrontendParser(), [w.cancelRequest(77, -5)]);
    expect(cancel[0]).toMatchObject({ type: 'CancelRequest', processId: 77, secretKey: -5 });
  });

  it('reads the SASL initial response', () => {
    const raw = w.saslInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc'));
    expect(parseSaslInitialResponse(raw.subarray(5))).toEqual({ mechanism: 'SCRAM-SHA-256', response: Buffer.from('n,,n=,r=abc') });
  });

  const malformed: [string, Buffer, boolean][] = [
    ['startup length below 8', Buffer.from([0, 0, 0, 4]), true],
    ['startup length above 10000', Buffer.from([0, 0, 0x27, 0x11, 0, 3, 0, 0]), true],
    ['unsupported protocol 2.0', Buffer.from([0, 0, 0, 8, 0, 2, 0, 0]), true],
    ['startup without terminator', Buffer.from([0, 0, 0, 12, 0, 3, 0, 0, 0x75, 0x73, 0x65, 0x72]), true],
    ['message length below 4', Buffer.from([0x51, 0, 0, 0, 2]), false],
    ['message length negative', Buffer.from([0x51, 0xff, 0xff, 0xff, 0xf0]), false],
    ['message over the limit', Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]), false],
    ['unknown type byte', Buffer.from([0x7a, 0, 0, 0, 4]), false],
    ['query without terminator', Buffer.from([0x51, 0, 0, 0, 6, 0x61, 0x62]), false],
    ['query with trailing bytes', Buffer.from([0x51, 0, 0, 0, 7, 0x61, 0, 0x62]), false],
    ['bind with a parameter count beyond the message', Buffer.concat([Buffer.from([0x42, 0, 0, 0, 10, 0, 0, 0, 0]), Buffer.from([0x7f, 0xff])]), false],
    ['bind with a negative parameter length', Buffer.from([0x42, 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0]), false],
    ['describe with a bad kind', Buffer.from([0x44, 0, 0, 0, 6, 0x58, 0]), false],
  ];
  it.each(malformed)('refuses %s with a protocol violation, without allocating what the header claims', (_name, bytes, startup) => {
    const p = new FrontendParser({ maxMessageSize: 1024 * 1024 });
    if (!startup) p.push(w.startupMessage({ user: 'u' }), () => undefined);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => p.push(bytes, () => undefined)).toThrow(PgWireError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
    try {
      p.push(bytes, () => undefined);
    } catch (err) {
      expect((err as PgWireError).code).toMatch(/^(08P01|54000|0A000)$/);
      expect((err as Error).message.length).toBeGreaterThan(10);
    }
    // a parser that failed stays failed
    expect(() => p.push(w.sync(), () => undefined)).toThrow(PgWireError);
  });
});

describe('backend parser', () => {
  it('parses every message type, split at every byte offset, and reproduces the bytes', () => {
    const msgs = everySplit(() => new BackendParser(), backendStream);
    expect(msgs.map((m) => m.raw).join('')).toBe(backendStream.toString('hex'));
    expect(msgs[0]).toMatchObject({ type: 'Authentication', code: 10, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'] });
    expect(msgs[4]).toMatchObject({ type: 'ParameterStatus', name: 'server_version', value: '15.4' });
    expect(msgs[5]).toMatchObject({ type: 'BackendKeyData', processId: 1234, secretKey: -99 });
    expect(msgs[7]).toMatchObject({
      type: 'RowDescription',
      fields: [
        { name: 'id', typeOid: 23, typeSize: 4 },
        { name: 'name', tableOid: 16384, columnAttr: 2, typeOid: 25 },
      ],
    });
    expect(msgs[8]).toMatchObject({ type: 'DataRow', values: [Buffer.from('1').toString('hex'), null, Buffer.from('ünï').toString('hex')] });
    expect(msgs[12]).toMatchObject({
      type: 'ErrorResponse',
      fields: { S: 'ERROR', C: '42P01', M: 'relation "x" does not exist', H: 'check the name', P: '15' },
    });
    expect(msgs.at(-1)).toMatchObject({ type: 'ReadyForQuery', status: 'E' });
  });

  it('refuses malformed server messages', () => {
    const cases = [
      Buffer.from([0x5a, 0, 0, 0, 5, 0x51]), // bad ReadyForQuery status
      Buffer.from([0x54, 0, 0, 0, 6, 0x7f, 0xff]), // field count beyond the message
      Buffer.from([0x45, 0, 0, 0, 6, 0x4d, 0x61]), // unterminated error field
      Buffer.from([0x21, 0, 0, 0, 4]), // unknown type
      Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xff]), // over the limit
    ];
    for (const c of cases) expect(() => new BackendParser({ maxMessageSize: 1 << 20 }).push(c, () => undefined)).toThrow(PgWireError);
    const row = new BackendParser();
    let msg: BackendMessage | undefined;
    row.push(Buffer.from([0x44, 0, 0, 0, 10, 0, 1, 0xff, 0xff, 0xff, 0xfe]), (m) => (msg = m));
    expect(() => (msg as { values: unknown }).values).toThrow(/invalid value length/);
  });
});
