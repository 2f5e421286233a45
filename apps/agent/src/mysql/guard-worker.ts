/**
 * The agent's MySQL guard, a process the agent starts (see guard-thread.ts; its settings come as the first argument):
 * it loads the MySQL grammar, then judges the texts the agent sends, one at a time, each within the guard's parse
 * budget counted in this thread's own CPU time (the agent's work does not use up a statement's budget). It exits when
 * the agent does (its channel to the agent closes).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import v8 from 'node:v8';
import type { Decision, Policy } from '@hoop/pipeline';
import { clearMysqlDfa, evaluateMysql, initMysqlGuard, literalFreeMysql, setMysqlParseClock } from '@hoop/pipeline/mysql';
import { type GuardReply, type GuardWorkerData, type JudgeRequest, threadCpuMs, unread } from './guard-messages';

const send = process.send?.bind(process);
if (!send) throw new Error('guard-worker.ts runs as a process the agent starts (with a channel to it)');
const data = JSON.parse(process.argv[2] ?? '{}') as GuardWorkerData;
const reply = (m: GuardReply): void => {
  send(m);
};
process.on('disconnect', () => process.exit(0));

/** this thread's task folder (/proc/<pid>/task/<tid>), where its CPU time is read; null off Linux */
const task = (() => {
  try {
    // the link reads <pid>/task/<tid>, relative to /proc
    return `/proc/${readlinkSync('/proc/thread-self')}`;
  } catch {
    return null;
  }
})();
const read = (file: string) => readFileSync(file, 'latin1');
if (task !== null && threadCpuMs(read, task) !== null) setMysqlParseClock(() => threadCpuMs(read, task) ?? 0);

/** policies by number, the oldest dropped first (the agent drops the same ones: it posts a policy again after) */
const policies = new Map<number, Policy>();
/**
 * The heap is looked at every this many statements: what is in use counts garbage not collected yet, so a bound read
 * after every statement dropped the cache over and over (each statement then read with the slow full prediction).
 */
const CHECK_EVERY = 256;
let judged = 0;

function judge(m: JudgeRequest): void {
  if (m.policy) {
    policies.set(m.policyId, m.policy);
    if (policies.size > data.policies) policies.delete(policies.keys().next().value!);
  }
  const policy = policies.get(m.policyId);
  if (!policy) return reply({ type: 'unknown-policy', job: m.job });
  let decision: Decision;
  let literalFree = false;
  try {
    decision = evaluateMysql(m.sql, policy, m.ctx);
    literalFree = m.askFree && literalFreeMysql(m.sql);
  } catch (err) {
    decision = unread(m.sql, `the MySQL guard failed while reading it (${(err as Error).message})`);
  }
  const heap = v8.getHeapStatistics().used_heap_size;
  const rss = process.memoryUsage.rss();
  reply({ type: 'verdict', job: m.job, decision, literalFree, heapMb: Math.round(heap / 104857.6) / 10, rssMb: Math.round(rss / 104857.6) / 10 });
  // the prediction cache grows with every new shape of statement: dropped past its bound (it grows back)
  if (++judged % CHECK_EVERY === 0 && heap > data.dfaBoundMb * 1024 * 1024) clearMysqlDfa();
}

initMysqlGuard().then(
  () => {
    process.on('message', judge);
    reply({ type: 'ready', task });
  },
  (err: Error) => reply({ type: 'unloaded', error: err.message }),
);
