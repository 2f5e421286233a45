import type pg from 'pg';
import { type Db, type Prisma, type TrustedAuditKeys, verifyAdminEvents } from '@hoop/db';
import { ApiError } from './api-policies';
import { verifyAudit } from './audit-chain';
import type { UserIdentity } from './auth';

const SEES_ALL = new Set(['admin', 'auditor']);

function scope(user: UserIdentity): Prisma.SessionWhereInput {
  return SEES_ALL.has(user.role) ? { orgId: user.orgId } : { orgId: user.orgId, userId: user.id };
}

export async function listSessions(db: Db, user: UserIdentity, q: URLSearchParams) {
  const limit = Math.min(500, Math.max(1, Number(q.get('limit') ?? 50) || 50));
  const where: Prisma.SessionWhereInput = { ...scope(user) };
  if (q.get('connection')) where.connection = { name: q.get('connection')! };
  if (q.get('user')) where.user = { email: q.get('user')! };
  if (q.get('status')) where.status = q.get('status')!;
  const rows = await db.session.findMany({
    where,
    orderBy: { startedAt: 'desc' },
    take: limit,
    include: { user: { select: { email: true, isService: true } }, connection: { select: { name: true } } },
  });
  return {
    sessions: rows.map((s) => ({ id: s.id, user: s.user.email, serviceAccount: s.user.isService, connection: s.connection.name, mode: s.mode, status: s.status, startedAt: s.startedAt, endedAt: s.endedAt, events: s.eventCount, error: s.error })),
  };
}

async function findSession(db: Db, user: UserIdentity, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ApiError(400, 'a session id is a UUID');
  const s = await db.session.findFirst({ where: { ...scope(user), id }, include: { user: { select: { email: true, isService: true } }, connection: { select: { name: true } } } });
  if (!s) throw new ApiError(404, `session ${id} does not exist or is not yours to see`);
  return s;
}

export async function getSession(db: Db, user: UserIdentity, id: string) {
  const s = await findSession(db, user, id);
  const events = await db.auditEvent.findMany({ where: { sessionId: id }, orderBy: { seq: 'asc' }, take: 10_000, select: { seq: true, type: true, at: true, data: true } });
  return { session: { id: s.id, user: s.user.email, serviceAccount: s.user.isService, reason: (s.clientInfo as { reason?: string }).reason ?? null, connection: s.connection.name, mode: s.mode, status: s.status, startedAt: s.startedAt, endedAt: s.endedAt, error: s.error }, events };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Every event of a session as JSON lines or CSV (columns: seq, at, type, sql, decision, rule, rows, error, data). */
export async function exportSession(db: Db, user: UserIdentity, id: string, format: string): Promise<{ contentType: string; body: string }> {
  const { session, events } = await getSession(db, user, id);
  if (format === 'csv') {
    const lines = ['session,seq,at,type,sql,decision,rule,rows,error,data'];
    for (const e of events) {
      const d = e.data as Record<string, unknown>;
      lines.push([session.id, e.seq, e.at.toISOString(), e.type, d.sql, d.decision, d.ruleId, d.rows, d.error, d].map(csvCell).join(','));
    }
    return { contentType: 'text/csv', body: `${lines.join('\n')}\n` };
  }
  if (format === 'cast') return { contentType: 'application/x-asciicast', body: asciicast(session, events) };
  if (format !== 'jsonl') throw new ApiError(400, 'format is jsonl, csv or cast');
  const body = events.map((e) => JSON.stringify({ session: session.id, user: session.user, connection: session.connection, ...e })).join('\n');
  return { contentType: 'application/x-ndjson', body: `${body}\n` };
}

/**
 * A terminal session as an asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/): a header line,
 * then `[seconds, "o", text]` for output and `[seconds, "r", "COLSxROWS"]` for resizes, all masked as recorded.
 */
function asciicast(session: { id: string; startedAt: Date | string }, events: { type: string; data: unknown }[]): string {
  const start = events.find((e) => e.type === 'term.start')?.data as { cols?: number; rows?: number; term?: string } | undefined;
  const header = {
    version: 2,
    width: start?.cols ?? 80,
    height: start?.rows ?? 24,
    timestamp: Math.floor(new Date(session.startedAt).getTime() / 1000),
    env: { TERM: start?.term ?? 'xterm-256color' },
    title: `hoop session ${session.id}`,
  };
  const frames: [number, string, string][] = [];
  for (const e of events) {
    const d = e.data as { t?: number; d?: string; cols?: number; rows?: number };
    if (e.type === 'term.output' && typeof d.t === 'number' && typeof d.d === 'string') frames.push([d.t, 'o', d.d]);
    else if (e.type === 'term.resize' && typeof d.t === 'number') frames.push([d.t, 'r', `${d.cols}x${d.rows}`]);
  }
  frames.sort((a, b) => a[0] - b[0]);
  return `${[JSON.stringify(header), ...frames.map((f) => JSON.stringify(f))].join('\n')}\n`;
}

export async function verify(db: Db, pool: pg.Pool, user: UserIdentity, sessionId: string | null, keys: TrustedAuditKeys | null = null) {
  if (!SEES_ALL.has(user.role)) throw new ApiError(403, 'verifying the audit trail needs the auditor or admin role');
  const result = await verifyAudit(pool, { orgId: user.orgId, keys, ...(sessionId ? { sessionId } : {}) });
  if (sessionId) return result;
  // the whole trail also covers what admins changed
  const admin = await verifyAdminEvents(db, user.orgId);
  if (result.ok && !admin.ok) return { ...result, ok: false, admin, problem: { message: admin.problem!.message } };
  return { ...result, admin };
}
