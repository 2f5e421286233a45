import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AuditEventBody } from '@hoop/protocol';
import { eventHash, GENESIS_HASH } from './audit-writer';

export function chainHash(prev: string, sessionId: string, finalSeq: number, finalHash: string): string {
  return createHash('sha256').update(`${prev}\n${sessionId}:${finalSeq}:${finalHash}`).digest('hex');
}

/** Appends a closed session's final hash to the global chain (serialized across gateways by an advisory lock). */
export async function sealSession(pool: pg.Pool, sessionId: string, finalSeq: number, finalHash: string): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(72707371)');
    const last = await c.query<{ hash: string }>('SELECT hash FROM audit_chain ORDER BY id DESC LIMIT 1');
    const prev = last.rows[0]?.hash ?? GENESIS_HASH;
    await c.query(
      'INSERT INTO audit_chain (session_id, final_seq, final_hash, prev_hash, hash) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO NOTHING',
      [sessionId, finalSeq, finalHash, prev, chainHash(prev, sessionId, finalSeq, finalHash)],
    );
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

export interface VerifyResult {
  ok: boolean;
  sessions: number;
  events: number;
  /** the first broken link, in words */
  problem?: { sessionId?: string; seq?: number; message: string };
}

interface EventRow { seq: number; type: string; at: Date; data: Record<string, unknown>; prev_hash: string; hash: string }

async function verifySession(pool: pg.Pool, sessionId: string): Promise<{ events: number; last: EventRow | null; problem?: VerifyResult['problem'] }> {
  const rows = (await pool.query<EventRow>('SELECT seq, type, at, data, prev_hash, hash FROM audit_events WHERE session_id = $1 ORDER BY seq', [sessionId])).rows;
  let prev = GENESIS_HASH;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.seq !== i) return { events: rows.length, last: null, problem: { sessionId, seq: i, message: `event ${i} is missing (next stored is ${r.seq})` } };
    if (r.prev_hash !== prev) return { events: rows.length, last: null, problem: { sessionId, seq: r.seq, message: `event ${r.seq} does not link to the event before it` } };
    const body: AuditEventBody = { type: r.type, at: r.at.toISOString(), data: r.data };
    if (eventHash(prev, sessionId, r.seq, body) !== r.hash) return { events: rows.length, last: null, problem: { sessionId, seq: r.seq, message: `event ${r.seq} was altered (its content does not match its hash)` } };
    prev = r.hash;
  }
  return { events: rows.length, last: rows.at(-1) ?? null };
}

/**
 * Recomputes every hash: each session's events in order, and the global chain of sealed sessions. Stops at the first
 * broken link and says where it is.
 */
export async function verifyAudit(pool: pg.Pool, opts: { sessionId?: string; orgId: string }): Promise<VerifyResult> {
  const sessions = opts.sessionId
    ? (await pool.query<{ id: string }>('SELECT id FROM sessions WHERE id = $1 AND org_id = $2', [opts.sessionId, opts.orgId])).rows
    : (await pool.query<{ id: string }>('SELECT id FROM sessions WHERE org_id = $1 ORDER BY started_at', [opts.orgId])).rows;
  if (opts.sessionId && sessions.length === 0) return { ok: false, sessions: 0, events: 0, problem: { sessionId: opts.sessionId, message: 'no such session' } };
  const finals = new Map<string, EventRow | null>();
  let events = 0;
  for (const s of sessions) {
    const v = await verifySession(pool, s.id);
    events += v.events;
    if (v.problem) return { ok: false, sessions: sessions.length, events, problem: v.problem };
    finals.set(s.id, v.last);
  }
  // the global chain covers every org; each link is checked, and each sealed session of this org against its events
  const chain = (await pool.query<{ session_id: string; final_seq: number; final_hash: string; prev_hash: string; hash: string }>('SELECT session_id, final_seq, final_hash, prev_hash, hash FROM audit_chain ORDER BY id')).rows;
  let prev = GENESIS_HASH;
  for (const link of chain) {
    if (link.prev_hash !== prev || chainHash(prev, link.session_id, link.final_seq, link.final_hash) !== link.hash) {
      return { ok: false, sessions: sessions.length, events, problem: { sessionId: link.session_id, message: 'the global chain is broken at this session (an entry was altered or removed)' } };
    }
    prev = link.hash;
    if (finals.has(link.session_id)) {
      const last = finals.get(link.session_id);
      if (!last || last.seq !== link.final_seq || last.hash !== link.final_hash) {
        return { ok: false, sessions: sessions.length, events, problem: { sessionId: link.session_id, seq: link.final_seq, message: 'events were removed from the end of this session after it was sealed' } };
      }
    }
  }
  return { ok: true, sessions: sessions.length, events };
}
