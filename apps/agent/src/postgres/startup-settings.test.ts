import { describe, expect, it } from 'vitest';
import { optionSettings, splitOptions, startupSettings } from './startup-settings';

const allow = () => ({ action: 'allow' as const });
const readOnly = (params: Record<string, string>) => startupSettings(params, { readOnly: true, judge: allow });
const refusal = (r: ReturnType<typeof startupSettings>) => ('error' in r ? r.error.message : null);

describe('startup settings', () => {
  it('splits options as Postgres does: whitespace between words, a backslash takes the next character', () => {
    expect(splitOptions('  -c a=b\t-c\nsearch_path=x\\ y  ')).toEqual(['-c', 'a=b', '-c', 'search_path=x y']);
    expect(splitOptions('-c x=a\\\\b -c y=\\q')).toEqual(['-c', 'x=a\\b', '-c', 'y=q']);
    expect(splitOptions('')).toEqual([]);
  });

  it('reads -c, --name=value and the switches that stand for a setting', () => {
    expect(optionSettings('-c statement_timeout=5s -cwork_mem=8MB --idle-in-transaction-session-timeout=10s -e -fs')).toEqual([
      { name: 'statement_timeout', value: '5s', from: 'options' },
      { name: 'work_mem', value: '8MB', from: 'options' },
      { name: 'idle_in_transaction_session_timeout', value: '10s', from: 'options' },
      { name: 'datestyle', value: 'euro', from: 'options (-e)' },
      { name: 'enable_seqscan', value: 'off', from: 'options (-f)' },
    ]);
    expect(optionSettings('-c search_path=a\\,\\ b')).toEqual([{ name: 'search_path', value: 'a, b', from: 'options' }]);
    expect(optionSettings('-c')).toMatch(/requires an argument/);
    expect(optionSettings('-c foo')).toMatch(/requires a value/);
    expect(optionSettings('stray')).toMatch(/invalid command-line argument/);
    expect(optionSettings('-D /tmp')).toMatch(/not a setting hoop passes on/);
  });

  it('carries every setting the client asks for, and sets the pinned ones itself', () => {
    const r = startupSettings(
      { user: 'u', database: 'd', application_name: 'app', lock_timeout: '1s', options: '-c statement_timeout=250 -c search_path=s1' },
      { readOnly: true, judge: allow },
    );
    expect(r).toEqual({
      params: { statement_timeout: '250', search_path: 's1', application_name: 'app', lock_timeout: '1s', default_transaction_read_only: 'on' },
    });
  });

  it('refuses every way of asking a read-only connection for writes, naming the setting', () => {
    const attempts: Record<string, string>[] = [
      { options: '-c default_transaction_read_only=off' },
      { options: '--default-transaction-read-only=off' },
      { options: '-c Default_Transaction_Read_Only=OFF' },
      { options: '-cdefault_transaction_read_only=off' },
      { options: '-c default_transaction_read_only=of' },
      { options: "-c default_transaction_read_only='on'" },
      { options: '-c transaction_read_only=0' },
      { DEFAULT_TRANSACTION_READ_ONLY: 'off' },
      { default_transaction_read_only: 'no' },
      { default_transaction_read_only: '' },
      { transaction_read_only: 'off' },
    ];
    for (const params of attempts) {
      const message = refusal(readOnly(params));
      expect(message, JSON.stringify(params)).toMatch(/the setting .*transaction_read_only=.* is refused: this connection is read-only/i);
    }
    // asking for what is pinned anyway is fine
    expect(refusal(readOnly({ options: '-c default_transaction_read_only=on', DEFAULT_TRANSACTION_READ_ONLY: 'true' }))).toBeNull();
  });

  it("refuses another value of an agent session's statement_timeout", () => {
    const o = { readOnly: false, statementTimeoutMs: 30_000, judge: allow };
    expect(refusal(startupSettings({ statement_timeout: '0' }, o))).toMatch(
      /statement_timeout=0 .* refused: hoop bounds this session's statements to 30000 ms/,
    );
    expect(refusal(startupSettings({ options: '-c STATEMENT_TIMEOUT=1h' }, o))).toMatch(/refused/);
    expect(startupSettings({ statement_timeout: '30000' }, o)).toEqual({ params: { statement_timeout: '30000' } });
  });

  it('judges each setting as the SET statement it amounts to', () => {
    const seen: string[] = [];
    const judge = (sql: string) => {
      seen.push(sql);
      return sql.includes('"role"') ? { action: 'deny' as const, ruleId: 'no-role', message: 'roles are fixed' } : { action: 'allow' as const };
    };
    const r = startupSettings({ application_name: "it's", 'myext.flag': 'x', role: 'admin' }, { readOnly: false, judge });
    expect(seen).toEqual([`SET "application_name" TO 'it''s'`, `SET "myext"."flag" TO 'x'`, `SET "role" TO 'admin'`]);
    expect(refusal(r)).toMatch(/the setting role=admin \(startup parameter role\) is refused: roles are fixed/);
  });

  it('refuses client encodings in which a multibyte character can hold a backslash', () => {
    for (const enc of ['SJIS', 'Shift_JIS', 'big5', 'GBK', 'gb18030', 'UHC', 'JOHAB'])
      expect(refusal(startupSettings({ client_encoding: enc }, { readOnly: false, judge: allow })), enc).toMatch(/client_encoding/);
    for (const enc of ['UTF8', 'utf-8', 'LATIN1', 'SQL_ASCII', 'EUC_JP'])
      expect(refusal(startupSettings({ client_encoding: enc }, { readOnly: false, judge: allow })), enc).toBeNull();
  });
});
