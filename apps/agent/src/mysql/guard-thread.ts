import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '@hoop/log';
import type { Decision, Policy } from '@hoop/pipeline';
import { type MysqlContext, mysqlParseBudgetMs } from '@hoop/pipeline/mysql';
import { type GuardReply, type GuardWorkerData, type JudgeRequest, threadCpuMs, unread } from './guard-messages';

/**
 * The guard's heap: the grammar and what parsing holds (about 20 MB) plus its prediction cache, which is dropped past
 * DFA_BOUND_MB in use (guard-worker.ts). A statement whose reading needs more than the limit ends the guard: it is
 * refused, and the guard is started again. A small young generation: a parse's garbage dies young.
 */
const HEAP_MB = 96;
const SEMI_SPACE_MB = 1;
const DFA_BOUND_MB = 40;
/**
 * V8's optimizing compiler is not given the grammar's largest generated functions: compiling the parser's `uid` rule
 * (10.8 KB of bytecode: every keyword that may name a column) took 80–90 MB for seconds, which made the guard's peak
 * twice its steady size. Every other function of the grammar and of the guard is smaller, and still optimized.
 */
const MAX_OPTIMIZED_BYTECODE = 8192;
/** policies the guard keeps by number (a session's policy is posted once, not with every statement) */
const POLICIES = 32;
/** CPU time past a statement's budget its reading may take before the guard is stopped (the guard stops it first) */
const GRACE_MS = 1000;
/** where the guard's CPU time cannot be read (not Linux): its wall time, counted this many times slower */
const WALL_FACTOR = 10;
/** how long after the n-th crash in a row the guard is started again */
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

/** A verdict from the guard; `literalFree`: asked for, and the verdict cannot depend on the text's numbers. */
export interface Judged {
  decision: Decision;
  literalFree: boolean;
}

const refused = (decision: Decision): Judged => ({ decision, literalFree: false });

export interface GuardThreadOptions {
  log?: Logger;
  /** the guard's old generation, MB (tests make it small) */
  heapMb?: number;
  /** CPU time past a statement's budget before the guard is stopped (tests make it negative, to stop it before its budget) */
  graceMs?: number;
}

/**
 * The agent's MySQL guard, in a process of its own (a child of the agent, started with node:child_process's fork):
 * loading the MySQL grammar takes seconds of CPU, and reading a statement up to its budget (3 s at most), which on the
 * agent's event loop held back every other session and the gateway's heartbeats. The event loop posts a text and gets
 * its verdict; texts are judged one at a time, in the order they were posted (a session posts its next statement only
 * once it has the verdict on the one before). Verdict caches stay in the agent (session/policy-hooks.ts): a cached
 * verdict costs no message.
 *
 * A process, not a worker thread: the grammar (55–60 MB resident) and its reading (up to 50 MB of heap more while
 * new shapes of statement come) are then not the agent's own memory, and the guard gets V8 settings of its own (a
 * worker shares its process's), see MAX_OPTIMIZED_BYTECODE. It ends with the agent (it exits when its channel closes).
 *
 * Fail closed: a statement whose reading runs past its budget is refused by the guard itself; one that keeps the
 * guard busy past it anyway (GRACE_MS more) is refused and the guard is stopped and started again; a guard that
 * crashes or runs out of memory refuses the statement it was reading, and is started again (later after each crash in
 * a row); a grammar that cannot be loaded refuses every statement waiting and is tried again with the next one.
 */
export class MysqlGuardThread {
  private worker: ChildProcess | null = null;
  private loading: Promise<void> | null = null;
  /** the running guard's /proc task folder (its main thread's CPU time), once it is ready */
  private task: string | null = null;
  private ready = false;
  private readonly queue: Job[] = [];
  private current: { job: Job; cpu: number | null; wall: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private jobs = 0;
  private readonly policyIds = new WeakMap<Policy, number>();
  private policies = 0;
  /** the policies the running guard holds, oldest first (it drops the same ones as this, in the same order) */
  private readonly posted = new Set<number>();
  private crashes = 0;
  private spawned = 0;
  private stopped = false;
  /** guards started again after a crash or an overrun, and texts judged (for logs and tests) */
  restarts = 0;
  judged = 0;
  /** the most heap in use, and the largest size, the guard reported after a statement, MB */
  mostHeapMb = 0;
  mostRssMb = 0;

  private readonly graceMs: number;

  constructor(private readonly o: GuardThreadOptions = {}) {
    this.graceMs = o.graceMs ?? GRACE_MS;
  }

  /** Starts the guard (once) and resolves when its grammar is loaded; rejects with the reason it could not be. */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('the agent is stopping'));
    this.loading ??= this.spawn();
    return this.loading;
  }

  /**
   * The verdict on `sql` under `policy`: judged in the guard, after every text posted before it; `askFree`: say too
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

  /** Stops the guard: what waits for a verdict is refused. */
  async close(): Promise<void> {
    if (!this.stopped && this.spawned > 0)
      this.o.log?.info('MySQL guard process stopped', {
        judged: this.judged,
        restarts: this.restarts,
        cpuMs: this.cpuMs(),
        mostHeapMb: this.mostHeapMb,
        mostRssMb: this.mostRssMb,
      });
    this.stopped = true;
    this.clearTimer();
    if (this.current) this.current.job.resolve(refused(unread(this.current.job.sql, 'the agent is stopping')));
    this.current = null;
    this.refuseWaiting('the agent is stopping');
    const w = this.worker;
    this.worker = null;
    if (w) await stop(w);
  }

  /** the guard's process id (while it runs) */
  get pid(): number | null {
    return this.worker?.pid ?? null;
  }

  private spawn(): Promise<void> {
    if (this.spawned++ > 0) this.restarts++;
    const data: GuardWorkerData = { dfaBoundMb: DFA_BOUND_MB, policies: POLICIES };
    const script = guardScript();
    const w = fork(script.file, [JSON.stringify(data)], {
      execArgv: [
        ...script.execArgv,
        `--max-old-space-size=${this.o.heapMb ?? HEAP_MB}`,
        `--max-semi-space-size=${SEMI_SPACE_MB}`,
        `--max-optimized-bytecode-size=${MAX_OPTIMIZED_BYTECODE}`,
      ],
      serialization: 'advanced',
      // its standard error is kept (the end of it) to say why it stopped; V8 writes there when the heap runs out
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    // the guard never keeps the agent's process alive by itself
    w.unref();
    w.channel?.unref();
    let stderr = '';
    w.stderr?.setEncoding('utf8');
    w.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-4096)));
    (w.stderr as { unref?: () => void } | null)?.unref?.();
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
          w.kill('SIGKILL');
        } else this.answer(m);
      });
      w.on('error', (err) => (failure = err));
      // after its standard error is read to the end
      w.on('close', (code, signal) => {
        if (w !== this.worker) return;
        const why = failure ? failure.message : ranOutOfMemory(stderr) ? OUT_OF_MEMORY : `its process exited with ${signal ?? `code ${code}`}`;
        if (!this.ready) reject(new Error(why));
        this.lost(why);
      });
    });
  }

  /** The guard ended while it was the agent's: what it was reading is refused, and a new one is started. */
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
    this.o.log?.error('the MySQL guard stopped', { reason: why, reading: c !== null });
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
      this.mostRssMb = Math.max(this.mostRssMb, m.rssMb);
      c.job.resolve({ decision: m.decision, literalFree: m.literalFree });
    }
    this.next();
  }

  /** Posts the next text waiting, if the guard is ready and reads none. */
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
    // a guard that has just ended cannot take it: its close refuses what it was reading
    if (this.worker.connected) this.worker.send(request, () => undefined);
    this.watch(job);
  }

  /** Stops a guard that reads one text past its budget and the grace after it (the guard stops such a read itself). */
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
      if (w) void stop(w);
    };
    this.timer = setTimeout(check, Math.max(0, job.budgetMs + this.graceMs)).unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** the CPU time the guard's main thread has used (ms); null where it cannot be read */
  cpuMs(): number | null {
    return this.task === null ? null : threadCpuMs(readText, this.task);
  }
}

const readText = (file: string) => readFileSync(file, 'latin1');

const OUT_OF_MEMORY = 'it ran out of the memory the guard has for reading statements';
/** what V8 writes when a heap reaches its limit (node's own words, then V8's) */
const ranOutOfMemory = (stderr: string) => /heap out of memory|Reached heap limit|allocation failed/i.test(stderr);

/** Kills a guard's process and waits for it to be gone. */
function stop(w: ChildProcess): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    w.once('exit', () => resolve());
    w.kill('SIGKILL');
  });
}

/**
 * The guard's script: bundled (scripts/service.mjs), an entry of its own beside the chunk this code is in; run from
 * the TypeScript sources (tests), this folder's guard-worker.ts, compiled by tsx in the guard's process.
 */
function guardScript(): { file: string; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { file: fileURLToPath(new URL('./mysql-guard.mjs', import.meta.url)), execArgv: [] };
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file: fileURLToPath(new URL('./guard-worker.ts', import.meta.url)), execArgv: ['--import', tsx] };
}
