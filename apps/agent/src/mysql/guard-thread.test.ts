/**
 * The agent's MySQL guard thread: the same verdicts as the guard on the event loop, in the order texts were posted,
 * with the grammar's load and the reading of statements off the event loop; what stops the thread (a read past its
 * budget, running out of memory) refuses the statement it was reading and the next one is judged by a new thread.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { defaultPolicy, evaluateMysql, initMysqlGuard, literalFreeMysql } from '@hoop/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConnection } from '@hoop/protocol';
import { hooksFor } from '../session/policy-hooks';
import { threadCpuMs } from './guard-messages';
import { MysqlGuardThread } from './guard-thread';

const policy = defaultPolicy();
const readOnly = { ...policy, readOnly: true };
/** CPU time of the calling thread (the test's event loop), ms; null off Linux */
const myCpuMs = () => threadCpuMs((f) => readFileSync(f, 'latin1'), '/proc/thread-self');

let guard: MysqlGuardThread;
let loadCpuMs: number | null = null;
beforeAll(async () => {
  guard = new MysqlGuardThread();
  const before = myCpuMs();
  await guard.start();
  const after = myCpuMs();
  if (before !== null && after !== null) loadCpuMs = after - before;
});
afterAll(() => guard.close());

const TEXTS = [
  'select 1',
  'select * from t where id = 3',
  '/*!50000 DROP TABLE t */',
  'DELETE FROM `t` WHERE 1=1',
  'delete from t where id = 4',
  'update t set a = 1',
  "SELECT * FROM t INTO OUTFILE '/tmp/x'",
  'SET GLOBAL read_only = 0',
  'grant all on *.* to x',
  "PREPARE s FROM 'drop table t'",
  'select 1; drop table t',
  'select from where',
  "insert into t values (1, 'a'), (2, 'b')",
  'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW DELETE FROM u',
];

describe('the MySQL guard thread', () => {
  it('loads the grammar with next to no CPU time of the event loop', () => {
    // on the event loop the load took 1-2 s of CPU (seconds at high load), with every session and heartbeat waiting
    if (loadCpuMs === null) return;
    expect(loadCpuMs).toBeLessThan(300);
  });

  it("counts each statement's budget in the thread's own CPU time", async () => {
    // where the thread's CPU time cannot be read (not Linux) the budget is the process's
    if (myCpuMs() === null) return;
    const before = guard.cpuMs();
    expect(before).not.toBeNull();
    await guard.judge(`select ${'x + '.repeat(2000)}1`, policy, {});
    expect(guard.cpuMs()!).toBeGreaterThan(before!);
  });

  it('gives the verdicts the guard gives on the event loop, under each policy', async () => {
    await initMysqlGuard();
    for (const p of [policy, readOnly])
      for (const sql of TEXTS) {
        const { decision, literalFree } = await guard.judge(sql, p, {}, true);
        expect({ sql, decision, literalFree }).toEqual({ sql, decision: evaluateMysql(sql, p), literalFree: literalFreeMysql(sql) });
      }
    await expect(guard.judge('SET SESSION max_statement_time = 0', policy, { statementTimeMs: 5000 })).resolves.toMatchObject({ decision: { action: 'deny' } });
  });

  it("a session's hooks judge in the thread, and answer cached verdicts and shapes at once, never for another shape", async () => {
    const conn: AgentConnection = { id: 'c', name: 'orders-mysql', type: 'mysql', config: {}, secretRef: null, readOnly: false, policy: null };
    const hooks = hooksFor(() => conn, 'k', 'mysql', {}, { mysqlGuard: guard });
    const soon = async (sql: string) => {
      const v = hooks.judgeSoon(sql);
      return { cached: !(v instanceof Promise), v: await v };
    };
    expect(await soon('SELECT c FROM sbtest1 WHERE id BETWEEN 5 AND 104')).toMatchObject({ cached: false, v: { action: 'allow' } });
    // the same text, and the same shape with other numbers: no message to the thread
    expect(await soon('SELECT c FROM sbtest1 WHERE id BETWEEN 5 AND 104')).toMatchObject({ cached: true, v: { action: 'allow' } });
    expect(await soon('SELECT c FROM sbtest1 WHERE id BETWEEN 7 AND 106')).toMatchObject({ cached: true, v: { action: 'allow' } });
    // a shape whose verdict depends on its numbers is judged each time, in the thread
    expect(await soon('DELETE FROM t WHERE 1=2')).toMatchObject({ cached: false, v: { action: 'allow' } });
    expect(await soon('DELETE FROM t WHERE 1=1')).toMatchObject({ cached: false, v: { action: 'deny', ruleId: 'delete-without-where' } });
    expect(await soon('SELECT c FROM sbtest1 WHERE id BETWEEN 5 AND 104 INTO OUTFILE "/tmp/x"')).toMatchObject({ v: { action: 'deny' } });
    await expect(hooks.guardReady()).resolves.toBeUndefined();
  });

  it('answers texts in the order they were posted, from many sessions at once', async () => {
    const order: number[] = [];
    const all = Array.from({ length: 60 }, (_, i) =>
      guard.judge(i % 3 ? `select ${i} from t${i}` : `drop table t${i}`, policy, {}).then((j) => {
        order.push(i);
        return j.decision;
      }),
    );
    const ds = await Promise.all(all);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    ds.forEach((d, i) => expect(d.action).toBe(i % 3 ? 'allow' : 'deny'));
  });

  it('refuses a statement whose reading runs past its budget, naming why, and goes on', async () => {
    const nested = `select ${'case when a then '.repeat(40)}1${' end'.repeat(40)}`;
    const { decision: d } = await guard.judge(nested, policy, {});
    expect(d.action).toBe('deny');
    expect(d.reason).toMatch(/took more than the \d+ ms the guard gives a statement of its length/);
    expect((await guard.judge('drop table t', policy, {})).decision.ruleId).toBe('drop');
  });

  it('stops a thread that keeps reading past the budget, refuses the statement, and judges the next with a new thread', async () => {
    // a grace below zero stops the thread before its own budget would stop the read
    const g = new MysqlGuardThread({ graceMs: -980 });
    try {
      await g.start();
      const nested = `select ${'case when a then '.repeat(40)}1${' end'.repeat(40)}`;
      const [{ decision: d }, { decision: next }] = await Promise.all([g.judge(nested, policy, {}), g.judge('delete from t', policy, {})]);
      expect(d.action).toBe('deny');
      expect(d.reason).toMatch(/^the statement was not sent: reading it took more than the \d+ ms/);
      expect(next.ruleId).toBe('delete-without-where');
      expect(g.restarts).toBe(1);
    } finally {
      await g.close();
    }
  });

  it('refuses a statement that exhausts the thread memory, and judges the next with a new thread', async () => {
    const g = new MysqlGuardThread({ heapMb: 48 });
    try {
      await g.start();
      const big = `select * from t where a in (${Array.from({ length: 400_000 }, (_, i) => `'x${i}'`).join(',')})`;
      const [{ decision: d }, { decision: next }] = await Promise.all([g.judge(big, policy, {}), g.judge('select 1; drop table t', policy, {})]);
      expect(d.action).toBe('deny');
      expect(d.reason).toMatch(/the MySQL guard stopped while reading it \(it ran out of the memory .*\); it has been started again|took more than/);
      expect(next.ruleId).toBe('drop');
    } finally {
      await g.close();
    }
  });

  it('once closed, refuses what waits and what comes, saying the agent is stopping; its process is gone', async () => {
    // the file's guard, closed here (its load is seconds of CPU): every test that judges with it runs before this one
    const g = guard;
    await g.start();
    // the guard is a process of its own: its grammar and its reading are not the agent's memory
    const pid = g.pid!;
    expect(pid).not.toBe(process.pid);
    const waiting = g.judge('select 1', policy, {});
    await g.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await waiting).decision.reason ?? 'allowed before the close').toMatch(/agent is stopping|allowed before the close/);
    expect((await g.judge('select 1', policy, {})).decision).toMatchObject({ action: 'deny', reason: 'the statement was not sent: the agent is stopping' });
  });

  it('ends with the agent: a guard whose agent is killed exits by itself', async () => {
    // an agent (here a process that only starts a guard) killed without closing it: the guard's channel closes
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const script = [
      `import { MysqlGuardThread } from ${JSON.stringify(new URL('./guard-thread.ts', import.meta.url).href)};`,
      // the guard never keeps its agent alive: the agent's own work does (here a timer)
      'setInterval(() => undefined, 1000);',
      'const g = new MysqlGuardThread();',
      'await g.start();',
      'process.stdout.write(`${g.pid}\\n`);',
    ].join('\n');
    const agent = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      agent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      agent.once('exit', (code) => reject(new Error(`the agent exited (${code}) before its guard was ready`)));
    });
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    agent.kill('SIGKILL');
    // the guard is not this test's child: its end is seen by asking after it until it is gone
    await expect.poll(alive, { timeout: 60_000, interval: 50 }).toBe(false);
  });
});
