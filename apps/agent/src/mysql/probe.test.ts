/** The connection test of a MySQL/MariaDB connection against the real MariaDB at 127.0.0.1:3306. */
import { randomBytes } from 'node:crypto';
import type { AgentConnection } from '@hoop/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeRecorder } from '../session/probe-recorder';
import { probeMysql } from './probe';
import { asRoot, HOST, PORT } from './test-mariadb';

const cleanup: string[] = [];

/** An account with a password, dropped after the test. */
function account(): { user: string; password: string } {
  const id = randomBytes(4).toString('hex');
  const a = { user: `hoop_p_${id}`, password: `pw-${id}` };
  asRoot(`CREATE USER '${a.user}'@'%' IDENTIFIED BY '${a.password}';`);
  cleanup.push(`DROP USER IF EXISTS '${a.user}'@'%';`);
  return a;
}

afterEach(() => {
  for (const sql of cleanup.splice(0)) asRoot(sql);
});

describe('connection test (probe)', () => {
  const run = (over: Record<string, unknown>, password: string | null) => {
    const conn: AgentConnection = {
      id: 'c1',
      name: 'orders-mysql',
      type: 'mysql',
      config: { host: HOST, port: PORT, user: 'root', 'ssl-mode': 'disabled', ...over },
      secretRef: null,
      readOnly: false,
      policy: null,
    };
    const rec = new ProbeRecorder();
    rec.hide(password);
    const stage = { name: () => 'connect' };
    return probeMysql(conn, password, rec, {
      timeoutMs: 5000,
      maxMessage: 1 << 24,
      baseEnv: { PATH: '', HOME: '', LANG: '' },
      deadline: Date.now() + 5000,
      stage,
    });
  };

  it('reaches MariaDB, logs in and runs SELECT VERSION(), each step timed', async () => {
    const r = await run({}, null);
    expect(r).toMatchObject({ ok: true, serverVersion: expect.stringMatching(/^MariaDB \d+\.\d+\.\d+$/) });
    expect(r.steps.map((s) => [s.id, s.status])).toEqual([
      ['connect', 'pass'],
      ['tls', 'skip'],
      ['login', 'pass'],
      ['query', 'pass'],
    ]);
  });

  it('names a wrong password, TLS the server lacks, a refused port and bad settings, and never shows the password', async () => {
    const a = account();
    const wrong = await run({ user: a.user }, 'not-the-password');
    expect(wrong).toMatchObject({ ok: false, code: 'auth', summary: expect.stringContaining('Access denied') });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
    expect(await run({ 'ssl-mode': 'required' }, null)).toMatchObject({ ok: false, code: 'tls', summary: expect.stringContaining('does not offer TLS') });
    expect(await run({ port: 1 }, null)).toMatchObject({ ok: false, code: 'refused' });
    expect(await run({ 'ssl-mode': 'sometimes' }, null)).toMatchObject({ ok: false, code: 'settings', summary: expect.stringContaining('invalid ssl-mode') });
  });
});
