/**
 * What judging a MySQL statement in the agent's MySQL guard (a process of its own) costs against judging it on the event loop: statements
 * no cache holds (each text new), judged one after another as one session sends them. For each way: wall time per
 * statement, and the event loop's own CPU time per statement (what other sessions wait for).
 *   node --import tsx bench/guard-thread.ts [N]     (N statements each way, default 2000)
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { defaultPolicy, evaluateMysql, initMysqlGuard, literalFreeMysql } from '@hoop/pipeline';
import { threadCpuMs } from '../apps/agent/src/mysql/guard-messages';
import { MysqlGuardThread } from '../apps/agent/src/mysql/guard-thread';

const N = Number(process.argv[2] ?? 2000);
const policy = defaultPolicy();
const loopCpuMs = () => threadCpuMs((f) => readFileSync(f, 'latin1'), '/proc/thread-self') ?? process.cpuUsage().user / 1000;
const texts = (tag: string) =>
  Array.from({ length: N }, (_, i) =>
    i % 3 === 0
      ? `SELECT c FROM sbtest${i % 4} WHERE id BETWEEN ${i} AND ${i + 99} /* ${tag} */`
      : i % 3 === 1
        ? `select a, b.c, count(*) as n_${tag}${i} from t join u b on b.id = t.id where t.x = 'y${i}' group by a order by n_${tag}${i} desc limit 5`
        : `update t set a = a + 1 where id = ${i} and k_${tag} = 'x'`,
  );

async function timed(label: string, judge: (sql: string) => unknown | Promise<unknown>, tag: string): Promise<{ wallUs: number; loopUs: number }> {
  const all = texts(tag);
  for (const t of all.slice(0, 50)) await judge(`${t} -- warm`);
  const wall = performance.now();
  const cpu = loopCpuMs();
  for (const t of all) await judge(t);
  const r = { wallUs: ((performance.now() - wall) * 1000) / N, loopUs: ((loopCpuMs() - cpu) * 1000) / N };
  process.stdout.write(
    `${label}: ${r.wallUs.toFixed(0)} µs a statement, of which ${r.loopUs.toFixed(0)} µs of the event loop's CPU (load ${loadavg()[0]!.toFixed(1)})\n`,
  );
  return r;
}

const guard = new MysqlGuardThread();
const keep = setInterval(() => {}, 1000);
await Promise.all([guard.start(), initMysqlGuard()]);
const loop = await timed('on the event loop', (sql) => evaluateMysql(sql, policy) && literalFreeMysql(sql), 'a');
const thread = await timed('in the guard process', (sql) => guard.judge(sql, policy, {}, true), 'b');
const loop2 = await timed('on the event loop, again', (sql) => evaluateMysql(sql, policy) && literalFreeMysql(sql), 'c');
const base = (loop.wallUs + loop2.wallUs) / 2;
const loopCpu = `event loop CPU ${thread.loopUs.toFixed(0)} µs vs ${((loop.loopUs + loop2.loopUs) / 2).toFixed(0)} µs`;
process.stdout.write(`added by the round trip to the guard: ${(thread.wallUs - base).toFixed(0)} µs a statement (wall); ${loopCpu}\n`);
await guard.close();
clearInterval(keep);
