import { createHash } from 'node:crypto';

/**
 * The account the retention purge keeps of what it removed (audit_purges, audit_purged_sessions, and an admin event
 * `audit.purge` in the org's hash-chained admin trail), and how a verifier reads it back: `hoop audit verify` and
 * the web app's verification both load it here, so a purged session is reported as purged, not as a broken link,
 * and an altered account is reported as such.
 */

export const PURGE_ACTION = 'audit.purge';

export interface PurgedSessionLine {
  sessionId: string;
  throughSeq: number;
  throughHash: string;
  events: number;
}

/** sha256 over the removed sessions in session id order: `id:last seq:last hash:events`, one per line. */
export function purgeCheckpoint(sessions: PurgedSessionLine[]): string {
  const lines = [...sessions]
    .sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0))
    .map((s) => `${s.sessionId}:${s.throughSeq}:${s.throughHash}:${s.events}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Rows as a node-postgres pool or Prisma's $queryRawUnsafe return them (both callers pass a small adapter). */
export type RowQuery = <T>(sql: string, params: unknown[]) => Promise<T[]>;

export interface PurgeSummary {
  id: number;
  at: string;
  retentionDays: number;
  /** sessions whose last activity was before this were removed */
  cutoff: string;
  sessions: number;
  events: number;
  /** the time of the first and the last event removed */
  from: string | null;
  to: string | null;
}

export interface PurgedTotals {
  sessions: number;
  events: number;
  purges: PurgeSummary[];
}

export interface PurgeRecords {
  /** the org's purged sessions: where each one's chain ended when it was removed */
  sessions: Map<string, { throughSeq: number; throughHash: string; events: number; purgeId: number }>;
  totals: PurgedTotals;
  /** the first place where the account of a purge does not hold */
  problem?: string;
}

const iso = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface PurgeRow {
  id: string;
  at: string;
  retention_days: number;
  cutoff: string;
  sessions: number;
  events: number;
  first_event_at: string | null;
  last_event_at: string | null;
  checkpoint: string;
}
interface LineRow {
  session_id: string;
  purge_id: string;
  through_seq: number;
  through_hash: string;
  events: number;
}

/**
 * Reads an org's purges and checks each against the sessions it lists (the checkpoint) and against the admin event
 * written with it (the same purge id, counts and checkpoint, in the org's hash-chained admin trail).
 */
export async function loadPurgeRecords(query: RowQuery, orgId: string): Promise<PurgeRecords> {
  const purges = await query<PurgeRow>(
    `SELECT id::text AS id, ${iso('at')} AS at, retention_days, ${iso('cutoff')} AS cutoff, sessions, events::float8 AS events,
       ${iso('first_event_at')} AS first_event_at, ${iso('last_event_at')} AS last_event_at, checkpoint
     FROM audit_purges WHERE org_id = $1::uuid ORDER BY id`,
    [orgId],
  );
  const lines = await query<LineRow>(
    'SELECT session_id::text AS session_id, purge_id::text AS purge_id, through_seq, through_hash, events FROM audit_purged_sessions WHERE org_id = $1::uuid',
    [orgId],
  );
  const admin = await query<{ seq: number; data: Record<string, unknown> }>(
    `SELECT seq, data FROM admin_events WHERE org_id = $1::uuid AND action = $2 ORDER BY seq`,
    [orgId, PURGE_ACTION],
  );

  const sessions: PurgeRecords['sessions'] = new Map();
  const byPurge = new Map<string, PurgedSessionLine[]>();
  for (const l of lines) {
    sessions.set(l.session_id, { throughSeq: l.through_seq, throughHash: l.through_hash, events: l.events, purgeId: Number(l.purge_id) });
    const list = byPurge.get(l.purge_id) ?? [];
    list.push({ sessionId: l.session_id, throughSeq: l.through_seq, throughHash: l.through_hash, events: l.events });
    byPurge.set(l.purge_id, list);
  }
  const summaries = purges.map(
    (p): PurgeSummary => ({
      id: Number(p.id),
      at: p.at,
      retentionDays: p.retention_days,
      cutoff: p.cutoff,
      sessions: p.sessions,
      events: p.events,
      from: p.first_event_at,
      to: p.last_event_at,
    }),
  );
  const totals: PurgedTotals = {
    sessions: summaries.reduce((n, p) => n + p.sessions, 0),
    events: summaries.reduce((n, p) => n + p.events, 0),
    purges: summaries,
  };
  const adminByPurge = new Map(admin.map((a) => [String(a.data.purgeId), a]));
  const known = new Set(purges.map((p) => p.id));

  for (const p of purges) {
    const listed = byPurge.get(p.id) ?? [];
    const events = listed.reduce((n, s) => n + s.events, 0);
    const when = p.at.slice(0, 10);
    if (listed.length !== p.sessions || events !== p.events || purgeCheckpoint(listed) !== p.checkpoint) {
      return {
        sessions,
        totals,
        problem: `the record of purge ${p.id} (${when}) does not match its checkpoint: a purged session's entry was altered, added or removed`,
      };
    }
    const a = adminByPurge.get(p.id);
    if (!a || a.data.checkpoint !== p.checkpoint || a.data.sessions !== p.sessions || a.data.events !== p.events) {
      return { sessions, totals, problem: `purge ${p.id} (${when}) is not the one the admin trail recorded: its admin event is missing or says otherwise` };
    }
  }
  for (const a of admin) {
    if (!known.has(String(a.data.purgeId)))
      return { sessions, totals, problem: `admin event ${a.seq} records purge ${String(a.data.purgeId)}, whose record is gone` };
  }
  return { sessions, totals };
}

/**
 * Sessions sealed in the global chain whose row is gone without a purge having recorded them (at most `limit`):
 * removing a whole session is detected even once session rows can legitimately leave.
 */
export async function vanishedSealedSessions(query: RowQuery, limit = 100): Promise<Set<string>> {
  const rows = await query<{ id: string }>(
    `SELECT a.session_id::text AS id FROM audit_chain a
     WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = a.session_id)
       AND NOT EXISTS (SELECT 1 FROM audit_purged_sessions p WHERE p.session_id = a.session_id)
     ORDER BY a.id LIMIT $1`,
    [limit],
  );
  return new Set(rows.map((r) => r.id));
}

export const VANISHED_MESSAGE = 'this session is sealed in the global chain but is gone: it was neither kept nor purged on record';
export const PURGED_MISMATCH_MESSAGE = 'this session was purged, but the final hash its purge recorded is not the one sealed in the global chain';
