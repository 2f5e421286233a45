import type { AuditKeySettings, Db, RowQuery, TrustedAuditKeys } from '@hoop/db';
import { z } from 'zod';
import { AppError } from '../errors';
import { loadHoopDb } from '../hoop-db';
import { findVisibleSession } from '../session/get-session';
import { isUuid, type SessionViewer } from '../session/session-scope';
import { chainHash, eventHash, GENESIS_HASH } from './audit-hash';

export const VerifyProblem = z.object({
  sessionId: z.string().nullable(),
  seq: z.number().int().nullable(),
  /** the first broken link, in words (the same words in the web app and `hoop audit verify`) */
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
    purges: z.array(
      z.object({
        id: z.number().int(),
        at: z.string(),
        retentionDays: z.number().int(),
        cutoff: z.string(),
        sessions: z.number().int(),
        events: z.number().int(),
        from: z.string().nullable(),
        to: z.string().nullable(),
      }),
    ),
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

/** The newest link checked: compare it with the newest `audit chain head signed` line of the gateway log. */
export interface ChainHead {
  id: string;
  hash: string;
  keyId: string | null;
}
export type TrailCheck = VerifyResult & { head: ChainHead | null };

/**
 * Where the trail is read from: Prisma (the web app), or a node-postgres pool or client (the gateway; a test's
 * client inside a transaction sees what that transaction changed).
 */
export type TrailSource = Db | { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

export function rowQuery(source: TrailSource): RowQuery {
  if ('$queryRawUnsafe' in source) return <T>(sql: string, params: unknown[]) => source.$queryRawUnsafe<T[]>(sql, ...params);
  return async <T>(sql: string, params: unknown[]) => (await source.query(sql, params)).rows as T[];
}

/** Why signatures were not checked, as each surface says it. */
export const NO_KEY = {
  web: 'the web app has no audit public key (HOOP_AUDIT_PUBLIC_KEY, the gateway’s public key)',
  gateway: 'the gateway has no audit key (HOOP_AUDIT_SIGNING_KEY, HOOP_AUDIT_TRUSTED_KEYS)',
} as const;

export interface VerifyOptions {
  orgId: string;
  /** one session (and the global chain it is sealed into); else every session of the org */
  sessionId?: string;
  /** the public keys the chain's signatures are checked with; none: they are not checked */
  keys?: TrustedAuditKeys | null;
  /** what the report says when there are no keys (default: the web app's words) */
  noKey?: string;
}

const PAGE = 5_000;

interface Last {
  seq: number;
  hash: string;
}
interface EventRow {
  seq: number;
  type: string;
  at: Date;
  data: unknown;
  prev_hash: string;
  hash: string;
}
interface LinkRow {
  id: string;
  session_id: string;
  final_seq: number;
  final_hash: string;
  prev_hash: string;
  hash: string;
  signature: string | null;
  key_id: string | null;
}

/**
 * Re-hashes one session's events in order, a page at a time; stops at the first one that is missing, unlinked or
 * altered. A session a purge removed the beginning of starts where the purge record says its chain ended.
 */
async function verifySession(
  query: RowQuery,
  sessionId: string,
  from?: { throughSeq: number; throughHash: string },
): Promise<{ events: number; last: Last | null; problem?: Problem }> {
  let prev = from?.throughHash ?? GENESIS_HASH;
  let expected = (from?.throughSeq ?? -1) + 1;
  let events = 0;
  let last: Last | null = from ? { seq: from.throughSeq, hash: from.throughHash } : null;
  for (;;) {
    const rows = await query<EventRow>(
      'SELECT seq, type, at, data, prev_hash, hash FROM audit_events WHERE session_id = $1::uuid AND seq >= $2 ORDER BY seq LIMIT $3',
      [sessionId, expected, PAGE],
    );
    for (const r of rows) {
      const at = { sessionId, seq: expected };
      if (r.seq !== expected) return { events, last: null, problem: { ...at, message: `event ${expected} is missing (next stored is ${r.seq})` } };
      if (r.prev_hash !== prev) return { events: events + 1, last: null, problem: { ...at, message: `event ${r.seq} does not link to the event before it` } };
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
 * Recomputes every hash, for the web app and `hoop audit verify` alike: the org's retention purges against their
 * records, each session's events in order (one session, or every session of the org), then the global chain of sealed
 * sessions, checking each link's signature with the trusted keys (see ChainSignatureCheck: links sealed before the
 * first signed one are a note, an unsigned link after it, a bad signature or an unknown key break the chain), each
 * sealed session of the org against its last event or, once purged, against its purge record, and that no sealed
 * session is gone without a purge. A session asked for that a purge removed is checked against its purge record.
 * Stops at the first broken link and says where it is.
 */
export async function verifyAudit(source: TrailSource, opts: VerifyOptions, clock: () => number = Date.now): Promise<TrailCheck> {
  const started = clock();
  const query = rowQuery(source);
  const { loadPurgeRecords, vanishedSealedSessions, VANISHED_MESSAGE, PURGED_MISMATCH_MESSAGE, ChainSignatureCheck } = await loadHoopDb();
  const signatures = new ChainSignatureCheck(opts.keys ?? null, opts.noKey ?? NO_KEY.web);
  let head: ChainHead | null = null;
  const records = await loadPurgeRecords(query, opts.orgId);
  const one = opts.sessionId;
  const sessions = one
    ? isUuid(one)
      ? await query<{ id: string }>('SELECT id::text AS id FROM sessions WHERE id = $1::uuid AND org_id = $2::uuid', [one, opts.orgId])
      : []
    : await query<{ id: string }>('SELECT id::text AS id FROM sessions WHERE org_id = $1::uuid ORDER BY started_at, id', [opts.orgId]);
  const purgedOne = one && sessions.length === 0 ? records.sessions.get(one) : undefined;
  const purged: VerifyResult['purged'] = one
    ? purgedOne
      ? { sessions: 1, events: purgedOne.events, purges: records.totals.purges.filter((p) => p.id === purgedOne.purgeId) }
      : { sessions: 0, events: 0, purges: [] }
    : records.totals;
  const done = (r: Pick<VerifyResult, 'ok' | 'sessions' | 'events' | 'chainLinks' | 'problem'>): TrailCheck => ({
    ...r,
    purged,
    signatures: signatures.report(),
    head,
    checkedAt: new Date(started),
    tookMs: Math.max(0, clock() - started),
  });
  if (one && sessions.length === 0 && !purgedOne)
    return done({ ok: false, sessions: 0, events: 0, chainLinks: 0, problem: { sessionId: one, seq: null, message: 'no such session' } });
  if (records.problem)
    return done({ ok: false, sessions: sessions.length, events: 0, chainLinks: 0, problem: { sessionId: null, seq: null, message: records.problem } });
  const finals = new Map<string, Last | null>();
  let events = 0;
  for (const s of sessions) {
    const v = await verifySession(query, s.id, records.sessions.get(s.id));
    events += v.events;
    if (v.problem) return done({ ok: false, sessions: sessions.length, events, chainLinks: 0, problem: v.problem });
    finals.set(s.id, v.last);
  }
  // the global chain covers every org; each link is checked, each sealed session of this org against its events or
  // its purge record, and every sealed session must still be there or be purged on record
  const vanished = await vanishedSealedSessions(query);
  let prev = GENESIS_HASH;
  let links = 0;
  let after = '0';
  for (;;) {
    // ordered by the link's number (its text form, id::text, would sort 10 before 9)
    const chain = await query<LinkRow>(
      'SELECT id::text AS id, session_id::text AS session_id, final_seq, final_hash, prev_hash, ' +
        'hash, signature, key_id FROM audit_chain WHERE id > $1::bigint ORDER BY audit_chain.id LIMIT $2',
      [after, PAGE],
    );
    for (const link of chain) {
      links++;
      const broken = (problem: Problem) => done({ ok: false, sessions: sessions.length, events, chainLinks: links, problem });
      if (link.prev_hash !== prev || chainHash(prev, link.session_id, link.final_seq, link.final_hash) !== link.hash) {
        return broken({ sessionId: link.session_id, seq: null, message: 'the global chain is broken at this session (an entry was altered or removed)' });
      }
      const badSignature = signatures.check({ sessionId: link.session_id, hash: link.hash, signature: link.signature, keyId: link.key_id });
      if (badSignature) return broken({ sessionId: link.session_id, seq: null, message: badSignature });
      head = { id: link.id, hash: link.hash, keyId: link.key_id };
      prev = link.hash;
      if (vanished.has(link.session_id)) return broken({ sessionId: link.session_id, seq: null, message: VANISHED_MESSAGE });
      if (finals.has(link.session_id)) {
        const last = finals.get(link.session_id);
        if (!last || last.seq !== link.final_seq || last.hash !== link.final_hash) {
          return broken({ sessionId: link.session_id, seq: link.final_seq, message: 'events were removed from the end of this session after it was sealed' });
        }
      } else if ((!one || link.session_id === one) && records.sessions.has(link.session_id)) {
        const p = records.sessions.get(link.session_id)!;
        if (p.throughSeq !== link.final_seq || p.throughHash !== link.final_hash)
          return broken({ sessionId: link.session_id, seq: link.final_seq, message: PURGED_MISMATCH_MESSAGE });
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
    if (err instanceof AuditKeyError)
      throw new AppError('unavailable', `The audit trail cannot be verified: the web app's audit key setting is wrong. ${err.message}`, { cause: err });
    throw err;
  }
  return loadedKeys.keys;
}

/** Every session of the viewer's org and the global chain (the authorization table lets only admins and auditors call it). */
export async function verifyOrgTrail(db: Db, user: SessionViewer, keys?: AuditKeySettings): Promise<VerifyResult> {
  return verifyAudit(db, { orgId: user.orgId, keys: await trustedKeys(keys) });
}

/** One session the viewer may see, and the global chain it is sealed into. */
export async function verifySessionTrail(db: Db, user: SessionViewer, id: string, keys?: AuditKeySettings): Promise<VerifyResult> {
  const s = await findVisibleSession(db, user, id);
  return verifyAudit(db, { orgId: s.orgId, sessionId: s.id, keys: await trustedKeys(keys) });
}
