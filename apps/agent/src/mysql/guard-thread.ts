import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@hoop/log';
import type { Decision, Policy } from '@hoop/pipeline';
import { type MysqlContext, mysqlParseBudgetMs } from '@hoop/pipeline/mysql';
import { type GuardReply, type GuardWorkerData, type JudgeRequest, threadCpuMs, unread } from './guard-messages';

/**
 * The thread's heap: the grammar and what parsing holds (about 20 MB) plus its prediction cache, which is dropped past
 * DFA_BOUND_MB in use (guard-worker.ts). A statement whose reading needs more than the limit ends the thread: it is
 * refused, and the thread is started again. A small young generation: a parse's garbage dies young.
 */
const HEAP_MB = 96;
const YOUNG_MB = 4;
const DFA_BOUND_MB = 40;
/** policies the thread keeps by number (a session's policy is posted once, not with every statement) */
const POLICIES = 32;
/** CPU time past a statement's budget its reading may take before the thread is stopped (the thread stops it first) */
const GRACE_MS = 1000;
/** where the thread's CPU time cannot be read (not Linux): its wall time, counted this many times slower */
const WALL_FACTOR = 10;
/** how long after the n-th crash in a row the thread is started again */
const RESTART_MS = [0, 250, 1000, 5000, 30_000];

interface Job {
  id: number;
  sql: string;
  policy: Policy;
  ctx: MysqlContext;
  askFree: boolean;
  budgetMs: number;
  resolve(j: Judged): void;
}

/** A verdict from the thread; `literalFree`: asked for, and the verdict cannot depend on the text's numbers. */
export interface Judged {
  decision: Decision;
  literalFree: boolean;
}

const refused = (decision: Decision): Judged => ({ decision, literalFree: false });

export interface GuardThreadOptions {
  log?: Logger;
  /** the thread's old generation, MB (tests make it small) */
  heapMb?: number;
  /** CPU time past a statement's budget before the thread is stopped (tests make it negative, to stop it before its budget) */
  graceMs?: number;
}

/**
 * The agent's MySQL guard, in a thread of its own (node:worker_threads): loading the MySQL grammar takes seconds of
 * CPU, and reading a statement up to its budget (3 s at most), which on the agent's event loop held back every other
 * session and the gateway's heartbeats. The event loop posts a text and gets its verdict; texts are judged one at a
 * time, in the order they were posted (a session posts its next statement only once it has the verdict on the one
 * before). Verdict caches stay on the main thread (session/policy-hooks.ts): a cached verdict costs no message.
 *
 * Fail closed: a statement whose reading runs past its budget is refused by the thread itself; one that keeps the
 * thread busy past it anyway (GRACE_MS more) is refused and the thread is stopped and started again; a thread that
 * crashes or runs out of memory refuses the statement it was reading, and is started again (later after each crash in
 * a row); a grammar that cannot be loaded refuses every statement waiting and is tried again with the next one.
 */
export class MysqlGuardThread {
  private worker: Worker | null = null;
  private loading: Promise<void> | null = null;
  /** the running thread's /proc task folder (its CPU time), once it is ready */
  private task: string | null = null;
  private ready = false;
  private readonly queue: Job[] = [];
  private current: { job: Job; cpu: number | null; wall: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private jobs = 0;
  private readonly policyIds = new WeakMap<Policy, number>();
  private policies = 0;
  /** the policies the running thread holds, oldest first (it drops the same ones as this, in the same order) */
  private readonly posted = new Set<number>();
  private crashes = 0;
  private spawned = 0;
  private stopped = false;
  /** threads started again after a crash or an overrun, and texts judged (for logs and tests) */
  restarts = 0;
  judged = 0;
  /** the most heap in use the thread reported after a statement, MB */
  mostHeapMb = 0;

  private readonly graceMs: number;

  constructor(private readonly o: GuardThreadOptions = {}) {
    this.graceMs = o.graceMs ?? GRACE_MS;
  }

  /** Starts the thread (once) and resolves when its grammar is loaded; rejects with the reason it could not be. */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the agent is stopping'));
    this.loading ??= this.spawn();
    return this.loading;
  }

  /**
   * The verdict on `sql` under `policy`: judged in the thread, after every text posted before it; `askFree`: say too
   * whether it cannot depend on the text's numbers (literalFreeMysql, which reads the text with the grammar too).
   */
  judge(sql: string, policy: Policy, ctx: MysqlContext, askFree = false): Promise<Judged> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve(refused(unread(sql, 'the agent is stopping')));
      this.queue.push({ id: ++this.jobs, sql, policy, ctx, askFree, budgetMs: mysqlParseBudgetMs(sql.length), resolve });
      this.start().then(
        () => this.next(),
        (err: Error) => this.refuseWaiting(`the agent could not load its MySQL guard (${err.message})`),
      );
    });
  }

  /** Stops the thread: what waits for a verdict is refused. */
  async close(): Promise<void> {
    if (!this.stopped && this.spawned > 0)
      this.o.log?.info('MySQL guard thread stopped', {
        judged: this.judged,
        restarts: this.restarts,
        cpuMs: this.cpuMs(),
        mostHeapMb: this.mostHeapMb,
      });
    this.stopped = true;
    this.clearTimer();
    if (this.current) this.current.job.resolve(refused(unread(this.current.job.sql, 'the agent is stopping')));
    this.current = null;
    this.refuseWaiting('the agent is stopping');
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private spawn(): Promise<void> {
    if (this.spawned++ > 0) this.restarts++;
    const data: GuardWorkerData = { dfaBoundMb: DFA_BOUND_MB, policies: POLICIES };
    const script = workerScript();
    const w = new Worker(script.file, {
      workerData: data,
      resourceLimits: { maxOldGenerationSizeMb: this.o.heapMb ?? HEAP_MB, maxYoungGenerationSizeMb: YOUNG_MB },
      ...(script.eval ? { eval: true } : {}),
    });
    // the thread never keeps the agent's process alive by itself
    w.unref();
    this.worker = w;
    this.ready = false;
    this.posted.clear();
    return new Promise<void>((resolve, reject) => {
      let failure: Error | null = null;
      w.on('message', (m: GuardReply) => {
        if (w !== this.worker) return;
        if (m.type === 'ready') {
          this.ready = true;
          this.crashes = 0;
          this.task = m.task;
          resolve();
          this.next();
        } else if (m.type === 'unloaded') {
          failure = new Error(m.error);
          void w.terminate();
        } else this.answer(m);
      });
      w.on('error', (err) => (failure = err));
      w.on('exit', (code) => {
        if (w !== this.worker) return;
        const why = failure ? describe(failure) : `its thread exited with code ${code}`;
        if (!this.ready) reject(new Error(why));
        this.lost(why);
      });
    });
  }

  /** The thread ended while it was the agent's: what it was reading is refused, and a new one is started. */
  private lost(why: string, crashed = true): void {
    const wasReady = this.ready;
    this.worker = null;
    this.loading = null;
    this.ready = false;
    this.clearTimer();
    if (this.stopped) return;
    const c = this.current;
    this.current = null;
    if (c) c.job.resolve(refused(unread(c.job.sql, `the MySQL guard stopped while reading it (${why}); it has been started again`)));
    this.o.log?.error('the MySQL guard thread stopped', { reason: why, reading: c !== null });
    if (!wasReady) return this.refuseWaiting(`the agent could not load its MySQL guard (${why})`);
    const delay = crashed ? RESTART_MS[Math.min(this.crashes++, RESTART_MS.length - 1)]! : 0;
    setTimeout(() => this.restart(), delay).unref();
  }

  private restart(): void {
    if (this.stopped || this.loading) return;
    this.start().catch((err: Error) => this.o.log?.error('the MySQL guard could not be loaded again', { error: err.message }));
  }

  private refuseWaiting(why: string): void {
    for (const job of this.queue.splice(0)) job.resolve(refused(unread(job.sql, why)));
  }

  private answer(m: Exclude<GuardReply, { type: 'ready' | 'unloaded' }>): void {
    const c = this.current;
    if (!c || c.job.id !== m.job) return;
    this.clearTimer();
    this.current = null;
    if (m.type === 'unknown-policy') {
      this.posted.delete(this.policyIds.get(c.job.policy)!);
      this.queue.unshift(c.job);
    } else {
      this.mostHeapMb = Math.max(this.mostHeapMb, m.heapMb);
      c.job.resolve({ decision: m.decision, literalFree: m.literalFree });
    }
    this.next();
  }

  /** Posts the next text waiting, if the thread is ready and reads none. */
  private next(): void {
    if (this.current || !this.ready || !this.worker) return;
    const job = this.queue.shift();
    if (!job) return;
    let id = this.policyIds.get(job.policy);
    if (id === undefined) this.policyIds.set(job.policy, (id = ++this.policies));
    const request: JudgeRequest = { type: 'judge', job: job.id, sql: job.sql, policyId: id, ctx: job.ctx, askFree: job.askFree };
    if (!this.posted.has(id)) {
      request.policy = job.policy;
      this.posted.add(id);
      if (this.posted.size > POLICIES) this.posted.delete(this.posted.values().next().value!);
    }
    this.current = { job, cpu: this.cpuMs(), wall: performance.now() };
    this.judged++;
    this.worker.postMessage(request);
    this.watch(job);
  }

  /** Stops a thread that reads one text past its budget and the grace after it (the thread stops such a read itself). */
  private watch(job: Job): void {
    const check = () => {
      const c = this.current;
      if (!c || c.job !== job) return;
      const cpu = this.cpuMs();
      const used = cpu !== null && c.cpu !== null ? cpu - c.cpu : (performance.now() - c.wall) / WALL_FACTOR;
      const left = job.budgetMs + this.graceMs - used;
      if (left > 0) {
        this.timer = setTimeout(check, Math.max(20, left)).unref();
        return;
      }
      this.current = null;
      job.resolve(refused(unread(job.sql, `reading it took more than the ${job.budgetMs} ms the guard gives a statement of its length`)));
      const w = this.worker;
      this.lost(`it read one statement past its time budget, ${Math.round(used)} ms of CPU`, false);
      void w?.terminate();
    };
    this.timer = setTimeout(check, Math.max(0, job.budgetMs + this.graceMs)).unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** the CPU time the thread has used (ms); null where it cannot be read */
  cpuMs(): number | null {
    return this.task === null ? null : threadCpuMs(readText, this.task);
  }
}

const readText = (file: string) => readFileSync(file, 'latin1');

function describe(err: Error): string {
  if ((err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of the memory the guard has for reading statements';
  return err.message;
}

/**
 * The thread's script: bundled (scripts/service.mjs), an entry of its own beside the chunk this code is in; run from
 * the TypeScript sources (tests), this folder's guard-worker.ts, compiled by tsx in the thread.
 */
function workerScript(): { file: URL | string; eval?: true } {
  if (!import.meta.url.endsWith('.ts')) return { file: new URL('./mysql-guard.mjs', import.meta.url) };
  // tsx's ESM entry (its `require` one cannot load its own ESM parts)
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const file = new URL('./guard-worker.ts', import.meta.url).href;
  return { file: `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`, eval: true };
}
