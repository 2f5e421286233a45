import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { AuditEventBody } from '@hoop/protocol';
import {
  type AuditSigner,
  ChainSignatureCheck,
  loadPurgeRecords,
  type PurgedTotals,
  PURGED_MISMATCH_MESSAGE,
  type RowQuery,
  type SignatureReport,
  type TrustedAuditKeys,
  VANISHED_MESSAGE,
  vanishedSealedSessions,
} from '@hoop/db';
import { eventHash, GENESIS_HASH } from './audit-hash';

export function chainHash(prev: string, sessionId: string, finalSeq: number, finalHash: string): string {
  return createHash('sha256').update(`${prev}\n${sessionId}:${finalSeq}:${finalHash}`).digest('hex');
}

/** The link a seal appended: its place in the chain, its hash and, with a signing key, who signed it. */
export interface SealedLink { id: string; sessionId: string; hash: string; keyId: string | null; signature: string | null }

/**
 * Appends a closed session's final hash to the global chain (serialized across gateways by an advisory lock), signed
 * with the gateway's key when it has one. Returns the link, or null when the session was sealed already.
 */
export async function sealSession(pool: pg.Pool, sessionId: string, finalSeq: number, finalHash: string, signer: AuditSigner | null = null): Promise<SealedLink | null> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(72707371)');
    const last = await c.query<{ hash: string }>('SELECT hash FROM audit_chain ORDER BY id DESC LIMIT 1');
    const prev = last.rows[0]?.hash ?? GENESIS_HASH;
    const hash = chainHash(prev, sessionId, finalSeq, finalHash);
    const signature = signer ? signer.sign(hash) : null;
    const keyId = signer?.keyId ?? null;
    const r = await c.query<{ id: string }>(
      'INSERT INTO audit_chain (session_id, final_seq, final_hash, prev_hash, hash, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id) DO NOTHING RETURNING id::text AS id',
      [sessionId, finalSeq, finalHash, prev, hash, signature, keyId],
    );
    await c.query('COMMIT');
    const id = r.rows[0]?.id;
    return id ? { id, sessionId, hash, keyId, signature } : null;
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
  /** what retention purges removed, on record (not broken links) */
  purged: PurgedTotals;
  /** the chain's signatures: checked with which keys, or why not */
  signatures: SignatureReport;
  /** the newest link checked: compare it with the newest `audit chain head signed` line of the gateway log */
  head: { id: string; hash: string; keyId: string | null } | null;
}

interface EventRow { seq: number; type: string; at: Date; data: Record<string, unknown>; prev_hash: string; hash: string }
interface Head { seq: number; hash: string }
type Pool = Pick<pg.Pool, 'query'>;

/**
 * Re-hashes a session's stored events in order. A session a purge removed the beginning of (events that arrived after
 * it was purged) starts where the purge record says its chain ended.
 */
async function verifySession(pool: Pool, sessionId: string, from?: { throughSeq: number; throughHash: string }): Promise<{ events: number; last: Head | null; problem?: VerifyResult['problem'] }> {
  const after = from?.throughSeq ?? -1;
  const rows = (await pool.query<EventRow>('SELECT seq, type, at, data, prev_hash, hash FROM audit_events WHERE session_id = $1 AND seq > $2 ORDER BY seq', [sessionId, after])).rows;
  let prev = from?.throughHash ?? GENESIS_HASH;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const expected = after + 1 + i;
    if (r.seq !== expected) return { events: rows.length, last: null, problem: { sessionId, seq: expected, message: `event ${expected} is missing (next stored is ${r.seq})` } };
    if (r.prev_hash !== prev) return { events: rows.length, last: null, problem: { sessionId, seq: r.seq, message: `event ${r.seq} does not link to the event before it` } };
    const body: AuditEventBody = { type: r.type, at: r.at.toISOString(), data: r.data };
    if (eventHash(prev, sessionId, r.seq, body) !== r.hash) return { events: rows.length, last: null, problem: { sessionId, seq: r.seq, message: `event ${r.seq} was altered (its content does not match its hash)` } };
    prev = r.hash;
  }
  const last = rows.at(-1);
  return { events: rows.length, last: last ? { seq: last.seq, hash: last.hash } : from ? { seq: from.throughSeq, hash: from.throughHash } : null };
}

/**
 * Recomputes every hash: each session's events in order, and the global chain of sealed sessions, whose signatures
 * are checked with the trusted keys (see ChainSignatureCheck: links sealed before the first signed one are a note,
 * an unsigned link after it, a bad signature or an unknown key break the chain). Sessions removed by
 * a retention purge are checked against what the purge recorded (its checkpoint, its admin event, and each removed
 * session's final hash against the global chain) and reported as purged. Stops at the first broken link and says
 * where it is.
 */
export async function verifyAudit(pool: Pool, opts: { sessionId?: string; orgId: string; keys?: TrustedAuditKeys | null }): Promise<VerifyResult> {
  const signatures = new ChainSignatureCheck(opts.keys ?? null, 'the gateway has no audit key (HOOP_AUDIT_SIGNING_KEY, HOOP_AUDIT_TRUSTED_KEYS)');
  let head: VerifyResult['head'] = null;
  const query: RowQuery = async <T>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as T[];
  const records = await loadPurgeRecords(query, opts.orgId);
  const sessions = opts.sessionId
    ? (await pool.query<{ id: string }>('SELECT id FROM sessions WHERE id = $1 AND org_id = $2', [opts.sessionId, opts.orgId])).rows
    : (await pool.query<{ id: string }>('SELECT id FROM sessions WHERE org_id = $1 ORDER BY started_at, id', [opts.orgId])).rows;
  const purgedOne = opts.sessionId && sessions.length === 0 ? records.sessions.get(opts.sessionId) : undefined;
  const purged: PurgedTotals = opts.sessionId
    ? purgedOne
      ? { sessions: 1, events: purgedOne.events, purges: records.totals.purges.filter((p) => p.id === purgedOne.purgeId) }
      : { sessions: 0, events: 0, purges: [] }
    : records.totals;
  const fail = (events: number, problem: NonNullable<VerifyResult['problem']>): VerifyResult => ({ ok: false, sessions: sessions.length, events, problem, purged, signatures: signatures.report(), head });
  if (opts.sessionId && sessions.length === 0 && !purgedOne) return fail(0, { sessionId: opts.sessionId, message: 'no such session' });
  if (records.problem) return fail(0, { message: records.problem });
  const finals = new Map<string, Head | null>();
  let events = 0;
  for (const s of sessions) {
    const v = await verifySession(pool, s.id, records.sessions.get(s.id));
    events += v.events;
    if (v.problem) return fail(events, v.problem);
    finals.set(s.id, v.last);
  }
  // the global chain covers every org; each link is checked, each sealed session of this org against its events or
  // its purge record, and every sealed session must still be there or be purged on record
  const vanished = await vanishedSealedSessions(query);
  // ordered by the link's number (its text form, id::text, would sort 10 before 9)
  const chain = (
    await pool.query<{ id: string; session_id: string; final_seq: number; final_hash: string; prev_hash: string; hash: string; signature: string | null; key_id: string | null }>(
      'SELECT id::text AS id, session_id, final_seq, final_hash, prev_hash, hash, signature, key_id FROM audit_chain ORDER BY audit_chain.id',
    )
  ).rows;
  let prev = GENESIS_HASH;
  for (const link of chain) {
    if (link.prev_hash !== prev || chainHash(prev, link.session_id, link.final_seq, link.final_hash) !== link.hash) {
      return fail(events, { sessionId: link.session_id, message: 'the global chain is broken at this session (an entry was altered or removed)' });
    }
    const badSignature = signatures.check({ sessionId: link.session_id, hash: link.hash, signature: link.signature, keyId: link.key_id });
    if (badSignature) return fail(events, { sessionId: link.session_id, message: badSignature });
    head = { id: link.id, hash: link.hash, keyId: link.key_id };
    prev = link.hash;
    if (vanished.has(link.session_id)) return fail(events, { sessionId: link.session_id, message: VANISHED_MESSAGE });
    if (finals.has(link.session_id)) {
      const last = finals.get(link.session_id);
      if (!last || last.seq !== link.final_seq || last.hash !== link.final_hash) {
        return fail(events, { sessionId: link.session_id, seq: link.final_seq, message: 'events were removed from the end of this session after it was sealed' });
      }
    } else if ((!opts.sessionId || link.session_id === opts.sessionId) && records.sessions.has(link.session_id)) {
      const p = records.sessions.get(link.session_id)!;
      if (p.throughSeq !== link.final_seq || p.throughHash !== link.final_hash) return fail(events, { sessionId: link.session_id, seq: link.final_seq, message: PURGED_MISMATCH_MESSAGE });
    }
  }
  return { ok: true, sessions: sessions.length, events, purged, signatures: signatures.report(), head };
}
