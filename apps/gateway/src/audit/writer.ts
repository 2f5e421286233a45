import type pg from 'pg';
import type { AuditEventBody } from '@hoop/protocol';
import type { AuditSigner } from '@hoop/db';
import type { Logger } from '@hoop/log';
import { sealSession } from './chain';
import { canonicalJson, eventHash, normalizeEvent } from '@hoop/core/audit/audit-hash';
import { DEFAULT_HOLD, type Frame, frameData, HeldFrames, type HoldLimits } from './held';
import { type Chain, type Plan, planSession, type Row } from './plan';

export interface Pending {
  sessionId: string;
  seq: number;
  event: AuditEventBody;
  ack: (seq: number) => void;
  link?: object;
  agent?: string;
}
/** how often a batch is re-chained when another writer moved a session's head first (two gateways, one session) */
const MAX_ATTEMPTS = 3;
/**
 * While frames keep coming, one INSERT at most this often (a full batch goes at once): each is a transaction with its
 * commit, a round trip to Postgres and a wake-up of its backend on the same cores as the sessions it records, and
 * following each INSERT at once with the frames that came in meanwhile made hundreds of them a second of a few rows.
 */
const BUSY_LINGER_MS = 20;
/** sessions whose lowest conflicting seq is remembered (acks stop below it) */
const MAX_CONFLICT_SESSIONS = 10_000;

/**
 * Stores a batch only where each session's chain head is still the one the rows were chained from, in one
 * statement: it locks those sessions rows, inserts their rows (the table's trigger then moves the heads and
 * counters), and returns the sessions it stored. The head lives on the sessions row, which is not partitioned, so a
 * frame is stored once even though audit_events is partitioned by month and its key must include the event time.
 */
export const INSERT_IF_HEAD = `
WITH batch AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS b(session_id uuid, seq int, type text, at timestamptz, data jsonb, prev_hash text, hash text)
), expected AS (
  SELECT * FROM unnest($2::uuid[], $3::int[], $4::text[]) AS x(session_id, last_seq, last_hash)
), head AS (
  SELECT s.id FROM sessions s JOIN expected x ON x.session_id = s.id
  WHERE s.last_seq = x.last_seq AND s.last_hash = x.last_hash
  FOR NO KEY UPDATE OF s
), stored AS (
  INSERT INTO audit_events (session_id, seq, type, at, data, prev_hash, hash)
  SELECT b.session_id, b.seq, b.type, b.at, b.data, b.prev_hash, b.hash FROM batch b JOIN head h ON h.id = b.session_id
  RETURNING 1
)
SELECT id::text AS id FROM head`;

/**
 * The rows of one INSERT as one JSON array, the data as the canonical text already made for its hash: one string
 * for Postgres to read, where an array parameter per column had each event's JSON escaped again as an array element.
 */
export function batchJson(rows: Row[]): string {
  let out = '[';
  for (const r of rows) {
    if (out.length > 1) out += ',';
    const f = r.frame;
    // canonicalJson of a string is JSON.stringify's text, without the call for the short ones that need no escapes
    out += `{"session_id":${canonicalJson(f.sessionId)},"seq":${JSON.stringify(f.seq)},`;
    out += `"type":${canonicalJson(f.event.type)},"at":${canonicalJson(f.event.at)},`;
    out += `"data":${frameData(f)},"prev_hash":${canonicalJson(r.prev)},"hash":${canonicalJson(r.hash)}}`;
  }
  return `${out}]`;
}

/** The stored events at these (session, seq) places, and how far a retention purge removed each session. */
const STORED_AT = `
SELECT x.session_id::text AS session_id, x.seq, e.prev_hash, e.hash, p.through_seq
FROM unnest($1::uuid[], $2::int[]) AS x(session_id, seq)
LEFT JOIN audit_events e ON e.session_id = x.session_id AND e.seq = x.seq
LEFT JOIN audit_purged_sessions p ON p.session_id = x.session_id`;

/**
 * Persists audit frames in batches, each session's strictly in seq order and chained by hash, and acknowledges a
 * frame only once it, or an exact copy of it, is stored. A frame that skips ahead (seq 5 while 3 is the next to store)
 * waits for the ones before it (see HeldFrames) instead of being stored over the hole. A frame at a seq already
 * stored (resent by an agent after a reconnect) is acknowledged without being stored again if it is the same event;
 * if its content differs it is logged as an error and never acknowledged, nor is anything after it in its session.
 */
export class AuditWriter {
  private queue: Frame[] = [];
  private flushing = false;
  private readonly chains = new Map<string, Chain>();
  private readonly conflicts = new Map<string, number>();
  private readonly held: HeldFrames;
  private readonly maxQueued: number;
  /** frames not taken since the last warning (the queue was full) */
  private refused = 0;
  private refusedSince = 0;
  private idle: (() => void)[] = [];

  private timer: NodeJS.Timeout | null = null;
  /** when the last INSERT was sent (Date.now()): the next waits until BUSY_LINGER_MS after it, or lingerMs if longer */
  private lastInsert = 0;

  /**
   * @param lingerMs how long a frame may wait for others to share its INSERT: one row per statement at a few
   *   thousand statements a second would otherwise cost one round trip to Postgres each
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly maxBatch = 1000,
    private readonly lingerMs = 5,
    /** called once per event, after it was committed for the first time (never for a resent frame) */
    private readonly onStored: (sessionId: string, event: AuditEventBody) => void = () => undefined,
    hold: Partial<HoldLimits> = {},
    /** signs each link of the global chain (HOOP_AUDIT_SIGNING_KEY); null seals links unsigned */
    private readonly signer: AuditSigner | null = null,
  ) {
    const limits = { ...DEFAULT_HOLD, ...hold };
    this.held = new HeldFrames(limits, log);
    this.maxQueued = limits.queued;
  }

  /**
   * Queues a frame for its INSERT. While `queued` frames already wait (Postgres fell behind), an agent's frame is
   * not taken: it stays unacknowledged, and the agent, which keeps it, sends it again later (after 15 s, then twice
   * as long…), so the gateway's memory is bounded and nothing is lost. The gateway's own records (no `link`: nobody
   * would send them again) are always queued.
   */
  enqueue(p: Pending): void {
    if (p.link && this.queue.length >= this.maxQueued) return this.refuse();
    this.queue.push({
      sessionId: p.sessionId,
      seq: p.seq,
      event: normalizeEvent(p.event),
      ack: p.ack,
      link: p.link,
      agent: p.agent,
      since: Date.now(),
      dataJson: undefined,
    });
    if (this.flushing) return;
    if (this.queue.length >= this.maxBatch || this.lingerMs === 0) void this.flush();
    else this.timer ??= setTimeout(this.flushWhenDue, this.nextWait());
  }

  /**
   * A timer's flush: not before BUSY_LINGER_MS after the last INSERT by the clock (a timer counts from the event loop's
   * time, which may be milliseconds behind when it was set late in a busy turn), else set again for the rest.
   */
  private readonly flushWhenDue = (): void => {
    this.timer = null;
    const early = Math.max(this.lingerMs, BUSY_LINGER_MS) - (Date.now() - this.lastInsert);
    if (early > 0 && this.queue.length < this.maxBatch) this.timer = setTimeout(this.flushWhenDue, early);
    else void this.flush();
  };

  private refuse(): void {
    this.refused++;
    const now = Date.now();
    if (now - this.refusedSince < 10_000) return;
    this.log.warn('audit frames left unacknowledged: the queue for Postgres is full; the agents send them again', {
      frames: this.refused,
      queued: this.queue.length,
    });
    this.refused = 0;
    this.refusedSince = now;
  }

  /** how long queued frames wait for more: lingerMs, and no INSERT sooner than BUSY_LINGER_MS after the one before */
  private nextWait(): number {
    return Math.max(this.lingerMs, Math.max(this.lingerMs, BUSY_LINGER_MS) - (Date.now() - this.lastInsert));
  }

  /** resolves when everything queued so far is stored (or held for an earlier frame, or left unacknowledged) */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** frames waiting for an earlier frame of their session */
  get heldCount(): number {
    return this.held.size;
  }

  /** drops what is held (unacknowledged: the agents send it again to whichever gateway they reach next) */
  close(): void {
    this.held.clear();
  }

  forget(sessionId: string): void {
    this.chains.delete(sessionId);
  }

  /** the stored heads of these sessions (from their sessions rows); returns the ones read now */
  private async loadHeads(ids: string[]): Promise<Set<string>> {
    const missing = ids.filter((id) => !this.chains.has(id));
    if (missing.length === 0) return new Set();
    const r = await this.pool.query<{ id: string; last_seq: number; last_hash: string }>(
      'SELECT id::text AS id, last_seq, last_hash FROM sessions WHERE id = ANY($1::uuid[])',
      [missing],
    );
    for (const row of r.rows) this.chains.set(row.id, { lastSeq: row.last_seq, lastHash: row.last_hash });
    return new Set(missing);
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = true;
    try {
      do await this.writeBatch(this.queue.splice(0, this.maxBatch));
      while (this.queue.length >= this.maxBatch || (this.lingerMs === 0 && this.queue.length > 0));
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) {
        // frames came in while this batch was written: the next INSERT waits for more of them, up to BUSY_LINGER_MS
        // after this one was sent, instead of following it at once with the few that arrived meanwhile
        this.timer = setTimeout(this.flushWhenDue, Math.max(0, Math.max(this.lingerMs, BUSY_LINGER_MS) - (Date.now() - this.lastInsert)));
      } else {
        for (const r of this.idle.splice(0)) r();
      }
    }
  }

  private async writeBatch(batch: Frame[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        pending = await this.tryBatch(pending);
      } catch (err) {
        // nothing of what is left is acknowledged: the agent keeps the frames and sends them again
        this.log.error('audit batch failed; frames stay unacknowledged', { error: (err as Error).message, frames: pending.length });
        for (const p of pending) this.chains.delete(p.sessionId);
        return;
      }
      if (pending.length > 0 && attempt >= MAX_ATTEMPTS) {
        this.log.error('audit frames stay unacknowledged: another writer keeps moving their sessions', {
          frames: pending.length,
          sessions: new Set(pending.map((p) => p.sessionId)).size,
        });
        return;
      }
    }
  }

  /** Stores what it can of a batch; returns the frames of sessions to plan again with a fresh head. */
  private async tryBatch(batch: Frame[]): Promise<Frame[]> {
    const bySession = new Map<string, Frame[]>();
    for (const f of batch) {
      const list = bySession.get(f.sessionId);
      if (list) list.push(f);
      else bySession.set(f.sessionId, [...this.held.take(f.sessionId), f]);
    }
    const fresh = await this.loadHeads([...bySession.keys()]);
    const plans = new Map<string, Plan>();
    const retry: Frame[] = [];
    for (const [id, frames] of bySession) {
      const head = this.chains.get(id);
      if (!head) {
        // no sessions row: the session was purged by retention (or never opened); there is nothing to chain it to
        this.log.error('audit frames for a session that no longer exists were dropped', { session: id, frames: frames.length, firstSeq: frames[0]!.seq });
        for (const f of frames) f.ack(f.seq);
        continue;
      }
      const plan = planSession(id, head, frames);
      if (plan.ahead.length > 0 && !fresh.has(id)) {
        // a hole before these frames: make sure it is not only this writer's old idea of the head
        this.chains.delete(id);
        retry.push(...frames);
        continue;
      }
      plans.set(id, plan);
    }
    await this.checkStored(plans);
    const moved = await this.insert(plans);
    for (const [id, plan] of plans) {
      if (moved.has(id)) {
        this.chains.delete(id); // re-read the head and chain these frames again
        retry.push(...plan.all);
        continue;
      }
      this.chains.set(id, plan.to);
      this.held.hold(id, plan.to.lastSeq + 1, plan.ahead);
      for (const r of plan.rows) {
        this.onStored(id, r.frame.event);
        if (r.frame.event.type === 'session.close') await this.seal(id, r.frame.seq, r.hash);
      }
      this.acknowledge(id, plan);
    }
    return retry;
  }

  /**
   * Appends the session to the global chain. Each signed head is logged: a copy of the chain's head outside the
   * database, which shows whether newest links were later dropped from it (signatures cannot show that).
   */
  private async seal(sessionId: string, seq: number, hash: string): Promise<void> {
    try {
      const link = await sealSession(this.pool, sessionId, seq, hash, this.signer);
      if (link?.signature)
        this.log.info('audit chain head signed', { link: link.id, session: sessionId, hash: link.hash, keyId: link.keyId, signature: link.signature });
    } catch (err) {
      this.log.error('could not seal session in the audit chain', { session: sessionId, error: (err as Error).message });
    }
  }

  /** sorts out the frames at or below the stored head: copies of the stored events, or conflicts */
  private async checkStored(plans: Map<string, Plan>): Promise<void> {
    const places = new Map<string, { sessionId: string; seq: number }>();
    for (const [id, plan] of plans) for (const f of plan.stored) places.set(`${id}:${f.seq}`, { sessionId: id, seq: f.seq });
    if (places.size === 0) return;
    const list = [...places.values()];
    const r = await this.pool.query<{ session_id: string; seq: number; prev_hash: string | null; hash: string | null; through_seq: number | null }>(STORED_AT, [
      list.map((p) => p.sessionId),
      list.map((p) => p.seq),
    ]);
    const found = new Map<string, { prev: string; hash: string }[]>();
    const purgedThrough = new Map<string, number>();
    for (const row of r.rows) {
      const key = `${row.session_id}:${row.seq}`;
      if (row.hash !== null && row.prev_hash !== null) found.set(key, [...(found.get(key) ?? []), { prev: row.prev_hash, hash: row.hash }]);
      if (row.through_seq !== null) purgedThrough.set(row.session_id, row.through_seq);
    }
    for (const [id, plan] of plans) {
      const copies: Frame[] = [];
      for (const f of plan.stored) {
        const rows = found.get(`${id}:${f.seq}`);
        if (rows?.some((s) => eventHash(s.prev, id, f.seq, f.event, frameData(f)) === s.hash)) copies.push(f);
        else if (!rows && f.seq <= (purgedThrough.get(id) ?? -1))
          copies.push(f); // stored, then removed by a retention purge on record
        else plan.conflicts.push({ frame: f, storedHash: rows?.[0]?.hash ?? null });
      }
      plan.stored = copies;
    }
  }

  /** inserts every plan's rows; returns the sessions whose head moved under this writer */
  private async insert(plans: Map<string, Plan>): Promise<Set<string>> {
    const writing = [...plans].filter(([, p]) => p.rows.length > 0);
    if (writing.length === 0) return new Set();
    const rows = writing.flatMap(([, p]) => p.rows);
    const params = [batchJson(rows), writing.map(([id]) => id), writing.map(([, p]) => p.from.lastSeq), writing.map(([, p]) => p.from.lastHash)];
    // the time it is sent, its parameters made
    this.lastInsert = Date.now();
    const r = await this.pool.query<{ id: string }>({ name: 'hoop-audit-insert', text: INSERT_IF_HEAD, values: params });
    const stored = new Set(r.rows.map((row) => row.id));
    return new Set(writing.map(([id]) => id).filter((id) => !stored.has(id)));
  }

  /**
   * One cumulative acknowledgement per sender and session: the highest seq that is stored, that this sender sent in
   * this batch as the stored event, and below any conflicting frame of the session (the agent drops every frame up
   * to the seq it is acknowledged, so an ack past a conflict would drop the conflicting frame too).
   */
  private acknowledge(id: string, plan: Plan): void {
    let firstConflict = this.conflicts.get(id) ?? Infinity;
    for (const { frame, storedHash } of plan.conflicts) {
      firstConflict = Math.min(firstConflict, frame.seq);
      this.log.error('audit frame differs from the event stored at its seq: not acknowledged (the agent keeps it and what follows it in the session)', {
        session: id,
        seq: frame.seq,
        type: frame.event.type,
        at: frame.event.at,
        storedHash: storedHash ?? 'none: the event before the head is missing',
        agent: frame.agent,
      });
    }
    if (firstConflict !== Infinity) {
      if (!this.conflicts.has(id) && this.conflicts.size >= MAX_CONFLICT_SESSIONS) this.conflicts.delete(this.conflicts.keys().next().value!);
      this.conflicts.set(id, firstConflict);
    }
    const ceiling = Math.min(plan.to.lastSeq, firstConflict - 1);
    const last = new Map<object, Frame>();
    for (const f of [...plan.rows.map((r) => r.frame), ...plan.copies, ...plan.stored]) {
      if (f.seq > ceiling) continue;
      const key = f.link ?? f.ack;
      const before = last.get(key);
      if (!before || before.seq < f.seq) last.set(key, f);
    }
    for (const f of [...last.values()].sort((a, b) => a.seq - b.seq)) f.ack(f.seq);
  }
}
