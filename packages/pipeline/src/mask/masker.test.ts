import { describe, expect, it } from 'vitest';
import { createMasker } from './masker';
import type { MaskStyle, PiiType } from './types';

const TEXT = 25;
const VARCHAR = 1043;
const INT4 = 23;
const INT8 = 20;
const DATE = 1082;
const TIMESTAMPTZ = 1184;
const BOOL = 16;
const UUID = 2950;
const INET = 869;
const JSONB = 3802;
const TEXT_ARRAY = 1009;
const CITEXT = 16_412; // assigned per database

const key = 'test-hash-key-0123456789';

describe('column maskers', () => {
  const m = createMasker({ hashKey: key });

  it('masks a PII-named text column whole, even where no pattern could match', () => {
    expect(m.columnMasker({ name: 'full_name', typeOid: TEXT }).mask('Alice Smith')).toBe('[NAME]');
    expect(m.columnMasker({ name: 'address', typeOid: VARCHAR }).mask('12 Main St, Springfield')).toBe('[ADDRESS]');
    expect(m.columnMasker({ name: 'date_of_birth', typeOid: TEXT }).mask('1990-04-01')).toBe('[DOB]');
    expect(m.columnMasker({ name: 'email', typeOid: CITEXT }).mask('not an address')).toBe('[EMAIL]');
    expect(m.columnMasker({ name: 'password_hash', typeOid: TEXT }).mask('$2b$10$abc')).toBe('[SECRET]');
    expect(m.columnMasker({ name: 'access_token', typeOid: TEXT }).mask('opaque')).toBe('[TOKEN]');
    expect(m.columnMasker({ name: 'passport_number', typeOid: TEXT }).mask('X1234567')).toBe('[SSN]');
  });

  it('leaves blank values of a PII-named column as they are', () => {
    const email = m.columnMasker({ name: 'email', typeOid: TEXT });
    expect(email.mask('')).toBe('');
    expect(email.mask('  ')).toBe('  ');
  });

  it('finds PII inside the values of other text columns and returns the same string when nothing changed', () => {
    const notes = m.columnMasker({ name: 'notes', typeOid: TEXT });
    expect(notes.passthrough).toBe(false);
    expect(notes.context).toBeNull();
    expect(notes.mask('refund 4111 1111 1111 1111 for bob@x.io')).toBe('refund [CARD] for [EMAIL]');
    const clean = 'plan upgraded on 2026-03-14';
    expect(notes.mask(clean)).toBe(clean);
  });

  it('passes through columns that cannot change, so the caller skips them', () => {
    for (const c of [
      { name: 'id', typeOid: INT4 },
      { name: 'created_at', typeOid: TIMESTAMPTZ },
      { name: 'active', typeOid: BOOL },
      { name: 'email_verified', typeOid: BOOL },
      { name: 'is_mobile', typeOid: BOOL },
      { name: 'external_id', typeOid: UUID },
      { name: 'ssn', typeOid: UUID },
      { name: 'balance_cents', typeOid: INT8 },
    ]) {
      expect(m.columnMasker(c).passthrough, c.name).toBe(true);
    }
  });

  it('returns NULL, never a label, for a non-text column whose name marks PII', () => {
    for (const [name, typeOid, type] of [
      ['dob', DATE, 'dob'],
      ['birthdate', TIMESTAMPTZ, 'dob'],
      ['ssn', INT4, 'ssn'],
      ['phone', INT8, 'phone'],
      ['card_number', 1700, 'card'],
      ['emails', TEXT_ARRAY, 'email'],
    ] as const) {
      const cm = m.columnMasker({ name, typeOid });
      expect(cm.passthrough).toBe(false);
      expect(cm.context).toBe(type);
      expect(cm.mask('1990-01-01')).toBeNull();
    }
  });

  it('nulls inet values while IPs are masked', () => {
    expect(m.columnMasker({ name: 'client_addr', typeOid: INET }).mask('10.1.2.3')).toBeNull();
    expect(m.columnMasker({ name: 'anything', typeOid: INET }).mask('10.1.2.3')).toBeNull();
    expect(createMasker({ disabledTypes: ['ip'] }).columnMasker({ name: 'client_addr', typeOid: INET }).passthrough).toBe(true);
  });

  it('replaces matches inside text arrays and keeps the array literal valid', () => {
    const cm = m.columnMasker({ name: 'aliases', typeOid: TEXT_ARRAY });
    expect(cm.mask('{bob@x.io,"Alice 4111 1111 1111 1111"}')).toBe('{[EMAIL],"Alice [CARD]"}');
  });

  it('masks json by key names and values, and keeps the document valid JSON', () => {
    const cm = m.columnMasker({ name: 'payload', typeOid: JSONB });
    const out = cm.mask('{"customer": {"name": "Alice", "email": "a@b.io"}, "id": 12345678901234567890, "note": "call +1 415 555 2671"}');
    // biome-ignore lint/correctness/noPrecisionLoss: the id is past 2^53 on purpose; JSON.parse reads it as this same double
    expect(JSON.parse(out!)).toEqual({ customer: { name: '[NAME]', email: '[EMAIL]' }, id: 12345678901234567890, note: 'call [PHONE]' });
    expect(out).toContain('"id":12345678901234567890');
    const same = '{"status": "ok", "n": 3}';
    expect(cm.mask(same)).toBe(same);
    expect(cm.mask('not json bob@x.io')).toBe('not json [EMAIL]');
    expect(m.columnMasker({ name: 'address', typeOid: JSONB }).mask('{"street": "1 Main"}')).toBe('"[ADDRESS]"');
  });

  it('does not look for IPv4 addresses in version columns', () => {
    expect(m.columnMasker({ name: 'app_version', typeOid: TEXT }).mask('1.2.3.4')).toBe('1.2.3.4');
    expect(m.columnMasker({ name: 'build', typeOid: TEXT }).mask('10.0.0.1 by bob@x.io')).toBe('10.0.0.1 by [EMAIL]');
    expect(m.columnMasker({ name: 'note', typeOid: TEXT }).mask('1.2.3.4')).toBe('[IP]');
  });

  it('masks bare `name` when the table is known to hold people', () => {
    expect(m.columnMasker({ name: 'name', typeOid: TEXT }).mask('shared_buffers')).toBe('shared_buffers');
    expect(m.columnMasker({ name: 'name', table: 'public.customers', typeOid: TEXT }).mask('Alice')).toBe('[NAME]');
    expect(m.columnMasker({ name: 'name', table: 'products', typeOid: TEXT }).mask('Widget')).toBe('Widget');
    expect(m.columnMasker({ name: 'product_name', typeOid: TEXT }).mask('Widget')).toBe('Widget');
  });
});

describe('styles', () => {
  const styled = (style: MaskStyle, type: PiiType, column: string, value: string) =>
    createMasker({ styles: { [type]: style }, hashKey: key })
      .columnMasker({ name: column, typeOid: TEXT })
      .mask(value);

  it('partial keeps a harmless part', () => {
    expect(styled('partial', 'email', 'email', 'alice@example.com')).toBe('a****@example.com');
    expect(styled('partial', 'card', 'card_number', '4242 4242 4242 4242')).toBe('************4242');
    expect(styled('partial', 'phone', 'phone', '+1 415 555 2671')).toBe('+* *** *** 2671');
    expect(styled('partial', 'ssn', 'ssn', '123-45-6789')).toBe('***-**-6789');
    expect(styled('partial', 'iban', 'iban', 'DE89 3704 0044 0532 0130 00')).toBe('DE****************3000');
    expect(styled('partial', 'ip', 'ip_address', '203.0.113.7')).toBe('203.0.*.*');
    expect(styled('partial', 'name', 'full_name', 'Alice Smith')).toBe('A*** S***');
    expect(styled('partial', 'dob', 'dob', '1990-04-01')).toBe('1990-**-**');
    expect(styled('partial', 'secret', 'password', 'hunter2')).toBe('[SECRET]');
    expect(styled('partial', 'address', 'address', '1 Main St')).toBe('[ADDRESS]');
  });

  it('partial applies inside free text too', () => {
    const m = createMasker({ defaultStyle: 'partial' });
    expect(m.maskText('refund 4111 1111 1111 1111 for bob@example.com').text).toBe('refund ************1111 for b****@example.com');
    expect(m.maskText(`key ghp_${'a1B2'.repeat(9)}`).text).toBe('key ghp_****');
  });

  it('hash gives stable keyed tokens that ignore formatting, so joins line up', () => {
    const a = createMasker({ defaultStyle: 'hash', hashKey: key });
    const b = createMasker({ defaultStyle: 'hash', hashKey: key });
    const other = createMasker({ defaultStyle: 'hash', hashKey: 'another-key-0123456789' });
    const t1 = a.columnMasker({ name: 'email', typeOid: TEXT }).mask('Bob@Example.com');
    expect(t1).toMatch(/^\[EMAIL:[0-9a-f]{12}\]$/);
    expect(b.maskText('bob@example.com').text).toBe(t1);
    expect(other.maskText('bob@example.com').text).not.toBe(t1);
    expect(a.maskText('4111-1111-1111-1111').text).toBe(a.maskText('4111 1111 1111 1111').text);
    expect(a.maskText('alice@example.com').text).not.toBe(t1);
  });

  it('without a hash key, tokens line up within one masker only', () => {
    const a = createMasker({ defaultStyle: 'hash' });
    expect(a.maskText('bob@example.com').text).toBe(a.maskText('bob@example.com').text);
    expect(createMasker({ defaultStyle: 'hash' }).maskText('bob@example.com').text).not.toBe(a.maskText('bob@example.com').text);
  });

  it('null gives SQL NULL for a whole value and a label inside text', () => {
    const m = createMasker({ defaultStyle: 'null' });
    expect(m.columnMasker({ name: 'email', typeOid: TEXT }).mask('a@b.io')).toBeNull();
    expect(m.columnMasker({ name: 'contact', typeOid: TEXT }).mask('a@b.io')).toBeNull();
    expect(m.columnMasker({ name: 'notes', typeOid: TEXT }).mask('write to a@b.io')).toBe('write to [EMAIL]');
    expect(m.maskText('a@b.io').text).toBe('[EMAIL]');
    expect(m.maskJson({ email: 'a@b.io', n: 1 }).value).toEqual({ email: null, n: 1 });
  });

  it('per-type styles override the default', () => {
    const m = createMasker({ defaultStyle: 'partial', styles: { email: 'redact' } });
    expect(m.maskText('bob@x.io 4111111111111111').text).toBe('[EMAIL] ************1111');
  });
});

describe('configuration', () => {
  it('allow-listed columns pass through, by column or by table.column', () => {
    const m = createMasker({ allowColumns: ['support_email', 'Public.Customers.Notes', 'orders.email'] });
    expect(m.columnMasker({ name: 'support_email', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'notes', table: 'public.customers', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'email', table: 'orders', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'email', table: 'customers', typeOid: TEXT }).passthrough).toBe(false);
    expect(m.columnMasker({ name: 'notes', typeOid: TEXT }).passthrough).toBe(false);
  });

  it('allow-list entries may use * globs', () => {
    const m = createMasker({ allowColumns: ['*.support_email', 'audit_*.*', '*_hint'] });
    expect(m.columnMasker({ name: 'support_email', table: 'tickets', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'support_email', typeOid: TEXT }).passthrough).toBe(false);
    expect(m.columnMasker({ name: 'email', table: 'audit_log', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'password_hint', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.columnMasker({ name: 'email', table: 'users', typeOid: TEXT }).passthrough).toBe(false);
  });

  it('disabled types are neither detected nor used as column context', () => {
    const m = createMasker({ disabledTypes: ['email', 'name'] });
    expect(m.maskText('bob@x.io 4111111111111111').text).toBe('bob@x.io [CARD]');
    expect(m.columnMasker({ name: 'first_name', typeOid: TEXT }).mask('Alice')).toBe('Alice');
    const email = m.columnMasker({ name: 'email', typeOid: TEXT });
    expect(email.context).toBeNull();
    expect(email.mask('bob@x.io, 123-45-6789')).toBe('bob@x.io, [SSN]');
  });

  it('enabled: false turns everything off', () => {
    const m = createMasker({ enabled: false });
    expect(m.columnMasker({ name: 'email', typeOid: TEXT }).passthrough).toBe(true);
    expect(m.maskText('bob@x.io').text).toBe('bob@x.io');
    const v = { email: 'bob@x.io' };
    expect(m.maskJson(v).value).toBe(v);
  });
});

describe('counts', () => {
  it('accumulates across columns, text and JSON until reset; calls report their own', () => {
    const m = createMasker();
    const email = m.columnMasker({ name: 'email', typeOid: TEXT });
    const notes = m.columnMasker({ name: 'notes', typeOid: TEXT });
    email.mask('a@b.io');
    email.mask('c@d.io');
    notes.mask('card 4111111111111111 and e@f.io');
    notes.mask('nothing here');
    m.columnMasker({ name: 'dob', typeOid: DATE }).mask('1990-01-01');
    expect(m.counts()).toEqual({ email: 3, card: 1, dob: 1 });
    expect(m.maskText('x@y.io and 123-45-6789').counts).toEqual({ email: 1, ssn: 1 });
    expect(m.maskJson({ phone: '+14155552671', list: ['a@b.io'] }).counts).toEqual({ phone: 1, email: 1 });
    expect(m.resetCounts()).toEqual({ email: 5, card: 1, dob: 1, ssn: 1, phone: 1 });
    expect(m.counts()).toEqual({});
  });
});
