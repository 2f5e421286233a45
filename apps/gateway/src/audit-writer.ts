import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AuditEventBody } from '@hoop/protocol';
import { sealSession } from './audit-chain';
import type { Logger } from '@hoop/log';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same text whatever order Postgres' jsonb gives keys back in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The hash that links an event to the one before it in its session (see `hoop audit verify`). */
export function eventHash(prevHash: string, sessionId: string, seq: number, event: AuditEventBody): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson([sessionId, seq, event.type, event.at, event.data]))
    .digest('hex');
}

/** timestamps are stored with millisecond precision in UTC: hash exactly what will be read back */
function normalize(event: AuditEventBody): AuditEventBody {
  const t = new Date(event.at);
  return { ...event, at: Number.isNaN(t.getTime()) ? new Date().toISOString() : t.toISOString() };
}

interface Pending { sessionId: string; seq: number; event: AuditEventBody; ack: (seq: number) => void }
interface Chain { lastSeq: number; lastHash: string }
interface Row { sessionId: string; seq: number; event: AuditEventBody; prev: string; hash: string }

/** how often a batch is re-chained when another writer moved a session's head first (two gateways, one session) */
const MAX_ATTEMPTS = 3;

/**
 * Stores a batch only where each session's chain head is still the one the rows were chained from, in one
 * statement: it locks those sessions rows, inserts their rows (the table's trigger then moves the heads and
 * counters), and returns the sessions it stored. The head lives on the sessions row, which is not partitioned, so a
 * frame is stored once even though audit_events is partitioned by month and its key must include the event time.
 */
const INSERT_IF_HEAD = `
WITH batch AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[], $7::text[])
    AS b(session_id, seq, type, at, data, prev_hash, hash)
), expected AS (
  SELECT * FROM unnest($8::uuid[], $9::int[], $10::text[]) AS x(session_id, last_seq, last_hash)
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
 * Persists audit frames in order, in batches, and acknowledges each only after its batch committed. A frame seen
 * before (same session and seq, e.g. resent by an agent after a reconnect) is acknowledged and not stored twice.
 */
export class AuditWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private readonly chains = new Map<string, Chain>();
  private idle: (() => void)[] = [];

  private timer: NodeJS.Timeout | null = null;

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
  ) {}

  enqueue(p: Pending): void {
    this.queue.push({ ...p, event: normalize(p.event) });
    if (this.flushing || this.timer) return;
    if (this.queue.length >= this.maxBatch || this.lingerMs === 0) void this.flush();
    else this.timer = setTimeout(() => void this.flush(), this.lingerMs);
  }

  /** resolves when everything queued so far is stored */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  forget(sessionId: string): void {
    this.chains.delete(sessionId);
  }

  /** the stored heads of these sessions (from their sessions rows); a session with no row is left out */
  private async loadHeads(ids: string[]): Promise<void> {
    const missing = ids.filter((id) => !this.chains.has(id));
    if (missing.length === 0) return;
    const r = await this.pool.query<{ id: string; last_seq: number; last_hash: string }>('SELECT id::text AS id, last_seq, last_hash FROM sessions WHERE id = ANY($1::uuid[])', [missing]);
    for (const row of r.rows) this.chains.set(row.id, { lastSeq: row.last_seq, lastHash: row.last_hash });
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.writeBatch(batch);
      }
    } finally {
      this.flushing = false;
      for (const r of this.idle.splice(0)) r();
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
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
        this.log.error('audit frames stay unacknowledged: another writer keeps moving their sessions', { frames: pending.length, sessions: new Set(pending.map((p) => p.sessionId)).size });
        return;
      }
    }
  }

  /** Stores what it can of a batch; returns the frames of sessions whose head moved under it, to chain again. */
  private async tryBatch(batch: Pending[]): Promise<Pending[]> {
    await this.loadHeads([...new Set(batch.map((p) => p.sessionId))]);
    const rows: Row[] = [];
    const start = new Map<string, Chain>();
    const touched = new Map<string, Chain>();
    const gone = new Map<string, Pending[]>();
    for (const p of batch) {
      const stored = this.chains.get(p.sessionId);
      if (!stored) {
        gone.set(p.sessionId, [...(gone.get(p.sessionId) ?? []), p]);
        continue;
      }
      if (!start.has(p.sessionId)) start.set(p.sessionId, stored);
      const chain = touched.get(p.sessionId) ?? { ...stored };
      touched.set(p.sessionId, chain);
      if (p.seq <= chain.lastSeq) continue; // already stored: acknowledge again, store nothing
      const hash = eventHash(chain.lastHash, p.sessionId, p.seq, p.event);
      rows.push({ sessionId: p.sessionId, seq: p.seq, event: p.event, prev: chain.lastHash, hash });
      chain.lastSeq = p.seq;
      chain.lastHash = hash;
    }
    for (const [id, frames] of gone) {
      // no sessions row: the session was purged by retention (or never opened); there is nothing to chain it to
      this.log.error('audit frames for a session that no longer exists were dropped', { session: id, frames: frames.length, firstSeq: frames[0]!.seq });
    }
    const moved = new Set<string>();
    const writing = [...new Set(rows.map((r) => r.sessionId))];
    if (writing.length > 0) {
      const heads = writing.map((id) => start.get(id)!);
      const r = await this.pool.query<{ id: string }>(INSERT_IF_HEAD, [
        rows.map((r) => r.sessionId),
        rows.map((r) => r.seq),
        rows.map((r) => r.event.type),
        rows.map((r) => r.event.at),
        rows.map((r) => JSON.stringify(r.event.data)),
        rows.map((r) => r.prev),
        rows.map((r) => r.hash),
        writing,
        heads.map((h) => h.lastSeq),
        heads.map((h) => h.lastHash),
      ]);
      const stored = new Set(r.rows.map((row) => row.id));
      for (const id of writing) if (!stored.has(id)) moved.add(id);
    }
    for (const [id, chain] of touched) {
      if (moved.has(id)) this.chains.delete(id); // re-read the head and chain these frames again
      else this.chains.set(id, chain);
    }
    for (const r of rows) {
      if (moved.has(r.sessionId)) continue;
      this.onStored(r.sessionId, r.event);
      if (r.event.type === 'session.close') {
        await sealSession(this.pool, r.sessionId, r.seq, r.hash).catch((err: Error) => this.log.error('could not seal session in the audit chain', { session: r.sessionId, error: err.message }));
      }
    }
    // one cumulative acknowledgement per session and batch
    const last = new Map<string, Pending>();
    for (const p of batch) if (!moved.has(p.sessionId)) last.set(p.sessionId, p);
    for (const p of last.values()) p.ack(p.seq);
    return batch.filter((p) => moved.has(p.sessionId));
  }
}
