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

  private async chainFor(sessionId: string): Promise<Chain> {
    let chain = this.chains.get(sessionId);
    if (!chain) {
      const r = await this.pool.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_events WHERE session_id = $1 ORDER BY seq DESC LIMIT 1',
        [sessionId],
      );
      chain = r.rows[0] ? { lastSeq: r.rows[0].seq, lastHash: r.rows[0].hash } : { lastSeq: -1, lastHash: GENESIS_HASH };
      this.chains.set(sessionId, chain);
    }
    return chain;
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
    const rows: { sessionId: string; seq: number; event: AuditEventBody; prev: string; hash: string }[] = [];
    const acks: Pending[] = [];
    const touched = new Map<string, Chain>();
    for (const p of batch) {
      const chain = touched.get(p.sessionId) ?? { ...(await this.chainFor(p.sessionId)) };
      touched.set(p.sessionId, chain);
      acks.push(p);
      if (p.seq <= chain.lastSeq) continue; // already stored: acknowledge again, store nothing
      const hash = eventHash(chain.lastHash, p.sessionId, p.seq, p.event);
      rows.push({ sessionId: p.sessionId, seq: p.seq, event: p.event, prev: chain.lastHash, hash });
      chain.lastSeq = p.seq;
      chain.lastHash = hash;
    }
    if (rows.length > 0) {
      try {
        await this.pool.query(
          `INSERT INTO audit_events (session_id, seq, type, at, data, prev_hash, hash)
           SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::text[], $7::text[])
           ON CONFLICT (session_id, seq) DO NOTHING`,
          [
            rows.map((r) => r.sessionId),
            rows.map((r) => r.seq),
            rows.map((r) => r.event.type),
            rows.map((r) => r.event.at),
            rows.map((r) => JSON.stringify(r.event.data)),
            rows.map((r) => r.prev),
            rows.map((r) => r.hash),
          ],
        );
      } catch (err) {
        // nothing is acknowledged: the agent keeps the frames and sends them again
        this.log.error('audit batch failed; frames stay unacknowledged', { error: (err as Error).message, frames: batch.length });
        for (const id of touched.keys()) this.chains.delete(id);
        return;
      }
    }
    for (const [id, chain] of touched) this.chains.set(id, chain);
    for (const r of rows) {
      this.onStored(r.sessionId, r.event);
      if (r.event.type === 'session.close') {
        await sealSession(this.pool, r.sessionId, r.seq, r.hash).catch((err: Error) => this.log.error('could not seal session in the audit chain', { session: r.sessionId, error: err.message }));
      }
    }
    // one cumulative acknowledgement per session and batch
    const last = new Map<string, Pending>();
    for (const p of acks) last.set(p.sessionId, p);
    for (const p of last.values()) p.ack(p.seq);
  }
}
