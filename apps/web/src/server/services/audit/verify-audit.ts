import type { Db } from '@hoop/db';
import { z } from 'zod';
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
  checkedAt: z.date(),
  tookMs: z.number(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
type Problem = z.infer<typeof VerifyProblem>;

const PAGE = 5_000;

interface Last { seq: number; hash: string }

/** Re-hashes one session's events in order; stops at the first one that is missing, unlinked or altered. */
async function verifySession(db: Db, sessionId: string): Promise<{ events: number; last: Last | null; problem?: Problem }> {
  let prev = GENESIS_HASH;
  let expected = 0;
  let last: Last | null = null;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { sessionId, seq: { gte: expected } },
      orderBy: { seq: 'asc' },
      take: PAGE,
      select: { seq: true, type: true, at: true, data: true, prevHash: true, hash: true },
    });
    for (const r of rows) {
      const at = { sessionId, seq: expected };
      if (r.seq !== expected) return { events: expected, last: null, problem: { ...at, message: `event ${expected} is missing (next stored is ${r.seq})` } };
      if (r.prevHash !== prev) return { events: expected + 1, last: null, problem: { ...at, message: `event ${r.seq} does not link to the event before it` } };
      if (eventHash(prev, sessionId, r.seq, { type: r.type, at: r.at.toISOString(), data: r.data }) !== r.hash) {
        return { events: expected + 1, last: null, problem: { ...at, message: `event ${r.seq} was altered (its content does not match its hash)` } };
      }
      prev = r.hash;
      last = { seq: r.seq, hash: r.hash };
      expected++;
    }
    if (rows.length < PAGE) return { events: expected, last };
  }
}

/**
 * Recomputes every hash, as `hoop audit verify` does: each session's events in order (one session, or every session
 * of the org), then the global chain of sealed sessions, checking each sealed session of the org against its last
 * event. Stops at the first broken link and says where it is.
 */
export async function verifyAudit(db: Db, opts: { orgId: string; sessionId?: string }, clock: () => number = Date.now): Promise<VerifyResult> {
  const started = clock();
  const done = (r: Omit<VerifyResult, 'checkedAt' | 'tookMs'>): VerifyResult => ({ ...r, checkedAt: new Date(started), tookMs: Math.max(0, clock() - started) });
  const sessions = await db.session.findMany({
    where: { orgId: opts.orgId, ...(opts.sessionId ? { id: opts.sessionId } : {}) },
    orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  if (opts.sessionId && sessions.length === 0) return done({ ok: false, sessions: 0, events: 0, chainLinks: 0, problem: { sessionId: opts.sessionId, seq: null, message: 'no such session' } });

  const finals = new Map<string, Last | null>();
  let events = 0;
  for (const s of sessions) {
    const v = await verifySession(db, s.id);
    events += v.events;
    if (v.problem) return done({ ok: false, sessions: sessions.length, events, chainLinks: 0, problem: v.problem });
    finals.set(s.id, v.last);
  }

  let prev = GENESIS_HASH;
  let links = 0;
  let after = BigInt(0);
  for (;;) {
    const chain = await db.auditChain.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE });
    for (const link of chain) {
      links++;
      if (link.prevHash !== prev || chainHash(prev, link.sessionId, link.finalSeq, link.finalHash) !== link.hash) {
        return done({ ok: false, sessions: sessions.length, events, chainLinks: links, problem: { sessionId: link.sessionId, seq: null, message: 'the global chain is broken at this session (an entry was altered or removed)' } });
      }
      prev = link.hash;
      if (finals.has(link.sessionId)) {
        const last = finals.get(link.sessionId);
        if (!last || last.seq !== link.finalSeq || last.hash !== link.finalHash) {
          return done({ ok: false, sessions: sessions.length, events, chainLinks: links, problem: { sessionId: link.sessionId, seq: link.finalSeq, message: 'events were removed from the end of this session after it was sealed' } });
        }
      }
      after = link.id;
    }
    if (chain.length < PAGE) break;
  }
  return done({ ok: true, sessions: sessions.length, events, chainLinks: links, problem: null });
}

/** Every session of the viewer's org and the global chain (the router lets only admins and auditors call it). */
export function verifyOrgTrail(db: Db, user: SessionViewer): Promise<VerifyResult> {
  return verifyAudit(db, { orgId: user.orgId });
}

/** One session the viewer may see, and the global chain it is sealed into. */
export async function verifySessionTrail(db: Db, user: SessionViewer, id: string): Promise<VerifyResult> {
  const s = await findVisibleSession(db, user, id);
  return verifyAudit(db, { orgId: s.orgId, sessionId: s.id });
}
