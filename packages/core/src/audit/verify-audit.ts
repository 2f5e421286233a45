import type { AuditKeySettings, Db, RowQuery, TrustedAuditKeys } from '@hoop/db';
import { z } from 'zod';
import { AppError } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { findVisibleSession } from '../session/get-session';
import type { SessionViewer } from '../session/session-scope';
import { chainHash, eventHash, GENESIS_HASH } from './audit-hash';

export const VerifyProblem = z.object({
  sessionId: z.string().nullable(),
  seq: z.number().int().nullable(),
  /** the first broken link, in words (the same words as `hoop audit verify`) */
  message: z.string(),
});

export const VerifyResult = z.object({
  ok: z.boolean(),
  /** sessions of the org whose events were re-hashed */
  sessions: z.number().int(),
  events: z.number().int(),
  /** links of the global chain checked (it covers every org's sealed sessions) */
  chainLinks: z.number().int(),
  problem: VerifyProblem.nullable(),
  /** what retention purges removed, on record: not gaps (each purge's checkpoint and admin event are checked) */
  purged: z.object({
    sessions: z.number().int(),
    events: z.number().int(),
    purges: z.array(z.object({ id: z.number().int(), at: z.string(), retentionDays: z.number().int(), cutoff: z.string(), sessions: z.number().int(), events: z.number().int(), from: z.string().nullable(), to: z.string().nullable() })),
  }),
  /** the global chain's signatures (the gateway's key, outside the database): checked with which keys, or why not */
  signatures: z.object({
    checked: z.boolean(),
    signed: z.number().int(),
    keyIds: z.array(z.string()),
    /** links sealed before the first signed one: a note, not a failure */
    unsigned: z.number().int(),
    note: z.string(),
  }),
  checkedAt: z.date(),
  tookMs: z.number(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
type Problem = z.infer<typeof VerifyProblem>;

const PAGE = 5_000;

interface Last { seq: number; hash: string }

/**
 * Re-hashes one session's events in order; stops at the first one that is missing, unlinked or altered. A session a
 * purge removed the beginning of starts where the purge record says its chain ended.
 */
async function verifySession(db: Db, sessionId: string, from?: { throughSeq: number; throughHash: string }): Promise<{ events: number; last: Last | null; problem?: Problem }> {
  let prev = from?.throughHash ?? GENESIS_HASH;
  let expected = (from?.throughSeq ?? -1) + 1;
  let events = 0;
  let last: Last | null = from ? { seq: from.throughSeq, hash: from.throughHash } : null;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { sessionId, seq: { gte: expected } },
      orderBy: { seq: 'asc' },
      take: PAGE,
      select: { seq: true, type: true, at: true, data: true, prevHash: true, hash: true },
    });
    for (const r of rows) {
      const at = { sessionId, seq: expected };
      if (r.seq !== expected) return { events, last: null, problem: { ...at, message: `event ${expected} is missing (next stored is ${r.seq})` } };
      if (r.prevHash !== prev) return { events: events + 1, last: null, problem: { ...at, message: `event ${r.seq} does not link to the event before it` } };
      if (eventHash(prev, sessionId, r.seq, { type: r.type, at: r.at.toISOString(), data: r.data }) !== r.hash) {
        return { events: events + 1, last: null, problem: { ...at, message: `event ${r.seq} was altered (its content does not match its hash)` } };
      }
      prev = r.hash;
      last = { seq: r.seq, hash: r.hash };
      expected++;
      events++;
    }
    if (rows.length < PAGE) return { events, last };
  }
}

/**
 * Recomputes every hash, as `hoop audit verify` does: the org's retention purges against their records, each
 * session's events in order (one session, or every session of the org), then the global chain of sealed sessions,
 * checking each link's signature with the trusted keys (the same check as the gateway's, from @hoop/db), each sealed
 * session of the org against its last event or, once purged, against its purge record, and that no sealed session is
 * gone without a purge. Stops at the first broken link and says where it is.
 */
export async function verifyAudit(db: Db, opts: { orgId: string; sessionId?: string; keys?: TrustedAuditKeys | null }, clock: () => number = Date.now): Promise<VerifyResult> {
  const started = clock();
  const { loadPurgeRecords, vanishedSealedSessions, VANISHED_MESSAGE, PURGED_MISMATCH_MESSAGE, ChainSignatureCheck } = await loadHoopDb();
  const signatures = new ChainSignatureCheck(opts.keys ?? null, 'the web app has no audit public key (HOOP_AUDIT_PUBLIC_KEY, the gateway’s public key)');
  const query: RowQuery = (sql, params) => db.$queryRawUnsafe(sql, ...params);
  const records = await loadPurgeRecords(query, opts.orgId);
  const sessions = await db.session.findMany({
    where: { orgId: opts.orgId, ...(opts.sessionId ? { id: opts.sessionId } : {}) },
    orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  const purged: VerifyResult['purged'] = opts.sessionId ? { sessions: 0, events: 0, purges: [] } : records.totals;
  const done = (r: Omit<VerifyResult, 'checkedAt' | 'tookMs' | 'purged' | 'signatures'>): VerifyResult => ({ ...r, purged, signatures: signatures.report(), checkedAt: new Date(started), tookMs: Math.max(0, clock() - started) });
  if (opts.sessionId && sessions.length === 0) return done({ ok: false, sessions: 0, events: 0, chainLinks: 0, problem: { sessionId: opts.sessionId, seq: null, message: 'no such session' } });
  if (records.problem) return done({ ok: false, sessions: sessions.length, events: 0, chainLinks: 0, problem: { sessionId: null, seq: null, message: records.problem } });
  const finals = new Map<string, Last | null>();
  let events = 0;
  for (const s of sessions) {
    const v = await verifySession(db, s.id, records.sessions.get(s.id));
    events += v.events;
    if (v.problem) return done({ ok: false, sessions: sessions.length, events, chainLinks: 0, problem: v.problem });
    finals.set(s.id, v.last);
  }
  const vanished = await vanishedSealedSessions(query);
  let prev = GENESIS_HASH;
  let links = 0;
  let after = BigInt(0);
  for (;;) {
    const chain = await db.auditChain.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE });
    for (const link of chain) {
      links++;
      const broken = (problem: Problem) => done({ ok: false, sessions: sessions.length, events, chainLinks: links, problem });
      if (link.prevHash !== prev || chainHash(prev, link.sessionId, link.finalSeq, link.finalHash) !== link.hash) {
        return broken({ sessionId: link.sessionId, seq: null, message: 'the global chain is broken at this session (an entry was altered or removed)' });
      }
      const badSignature = signatures.check(link);
      if (badSignature) return broken({ sessionId: link.sessionId, seq: null, message: badSignature });
      prev = link.hash;
      if (vanished.has(link.sessionId)) return broken({ sessionId: link.sessionId, seq: null, message: VANISHED_MESSAGE });
      if (finals.has(link.sessionId)) {
        const last = finals.get(link.sessionId);
        if (!last || last.seq !== link.finalSeq || last.hash !== link.finalHash) {
          return broken({ sessionId: link.sessionId, seq: link.finalSeq, message: 'events were removed from the end of this session after it was sealed' });
        }
      } else if (!opts.sessionId && records.sessions.has(link.sessionId)) {
        const p = records.sessions.get(link.sessionId)!;
        if (p.throughSeq !== link.finalSeq || p.throughHash !== link.finalHash) return broken({ sessionId: link.sessionId, seq: link.finalSeq, message: PURGED_MISMATCH_MESSAGE });
      }
      after = link.id;
    }
    if (chain.length < PAGE) break;
  }
  return done({ ok: true, sessions: sessions.length, events, chainLinks: links, problem: null });
}

let loadedKeys: { settings: string; keys: TrustedAuditKeys } | null = null;

/**
 * The public keys the HOOP_AUDIT_* settings name (read once; files are read again only when a setting changes). A
 * setting that cannot be read stops the verification with what is wrong, rather than skipping the signatures.
 */
async function trustedKeys(settings: AuditKeySettings | undefined): Promise<TrustedAuditKeys | null> {
  if (!settings || !(settings.publicKeys || settings.trustedKeys || settings.signingKey)) return null;
  const key = JSON.stringify([settings.publicKeys, settings.trustedKeys, settings.signingKey]);
  if (loadedKeys?.settings === key) return loadedKeys.keys;
  const { loadAuditKeys, AuditKeyError } = await loadHoopDb();
  try {
    loadedKeys = { settings: key, keys: loadAuditKeys(settings).trusted };
  } catch (err) {
    if (err instanceof AuditKeyError) throw new AppError('unavailable', `The audit trail cannot be verified: the web app's audit key setting is wrong. ${err.message}`, { cause: err });
    throw err;
  }
  return loadedKeys.keys;
}

/** Every session of the viewer's org and the global chain (the router lets only admins and auditors call it). */
export async function verifyOrgTrail(db: Db, user: SessionViewer, keys?: AuditKeySettings): Promise<VerifyResult> {
  return verifyAudit(db, { orgId: user.orgId, keys: await trustedKeys(keys) });
}

/** One session the viewer may see, and the global chain it is sealed into. */
export async function verifySessionTrail(db: Db, user: SessionViewer, id: string, keys?: AuditKeySettings): Promise<VerifyResult> {
  const s = await findVisibleSession(db, user, id);
  return verifyAudit(db, { orgId: s.orgId, sessionId: s.id, keys: await trustedKeys(keys) });
}
