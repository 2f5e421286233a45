import type { Db } from '@hoop/db';
import { z } from 'zod';
import { AppError, parseInput } from '../errors';
import { asciicast, csvLine, EVENTS_CSV_HEADER, eventsCsvLine, type ExportEvent, SESSION_CSV_HEADER, sessionCsvLine, sessionJsonLine } from './export-format';
import { findVisibleSession } from './get-session';
import { sessionItems } from './list-sessions';
import { readSessionEvents } from './session-events';
import { SESSION_FROM, SessionFilters, sessionWhere } from './session-filters';
import type { SessionViewer } from './session-scope';
import { kindOf, type SessionListItem } from './session-view';

export interface Export {
  filename: string;
  contentType: string;
  chunks: AsyncIterable<string>;
}

const CONTENT_TYPE = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8', cast: 'application/x-asciicast; charset=utf-8' } as const;
const BATCH = 2_000;
/** An export of the session list stops after this many sessions (narrow the filters for older ones). */
export const EXPORT_MAX_SESSIONS = 10_000;

/** A session's events in order, a batch at a time. */
async function* eventsOf(db: Db, sessionId: string): AsyncGenerator<ExportEvent[]> {
  let from = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { sessionId, seq: { gte: from } },
      orderBy: { seq: 'asc' },
      take: BATCH,
      select: { seq: true, type: true, at: true, data: true },
    });
    if (rows.length) yield rows;
    if (rows.length < BATCH) return;
    from = rows[rows.length - 1]!.seq + 1;
  }
}

export const SessionExportFormat = z.enum(['jsonl', 'csv', 'cast'], { error: 'The export format is jsonl, csv or cast.' });

/** One session's events, as `hoop sessions export` gives them; `cast` is the terminal recording (asciicast v2). */
export async function exportSession(db: Db, user: SessionViewer, id: string, format: string): Promise<Export> {
  const f = parseInput(SessionExportFormat, format);
  const s = await findVisibleSession(db, user, id);
  const who = { id: s.id, user: s.user.email, connection: s.connection.name };
  const base = `hoop-session-${s.id}`;
  if (f === 'cast') {
    if (kindOf(s.connection.type) !== 'terminal')
      throw new AppError('invalid', `Session ${s.id} is a ${s.connection.type} session; only terminal sessions have a recording to export as asciicast.`);
    const events: ExportEvent[] = [];
    for await (const batch of eventsOf(db, s.id)) events.push(...batch.filter((e) => e.type.startsWith('term.')));
    const recording = readSessionEvents(events).recording ?? { cols: 80, rows: 24, term: 'xterm-256color', frames: [] };
    return { filename: `${base}.cast`, contentType: CONTENT_TYPE.cast, chunks: once(asciicast(s, recording)) };
  }
  async function* chunks() {
    if (f === 'csv') yield SESSION_CSV_HEADER;
    for await (const batch of eventsOf(db, s.id)) yield batch.map((e) => (f === 'csv' ? sessionCsvLine(s.id, e) : sessionJsonLine(who, e))).join('');
  }
  return { filename: `${base}.${f}`, contentType: CONTENT_TYPE[f], chunks: chunks() };
}

async function* once(text: string) {
  yield text;
}

export const ExportListInput = SessionFilters.extend({
  format: z.enum(['jsonl', 'csv'], { error: 'The export format is jsonl or csv.' }),
  /** sessions: one line per session (the list's columns); events: every event of every session */
  what: z.enum(['sessions', 'events'], { error: 'Export either sessions or events.' }),
});
export type ExportListInput = z.input<typeof ExportListInput>;

const SESSIONS_CSV_HEADER =
  'id,started_at,ended_at,user,service_account,connection,connection_type,mode,status,statements,blocked,masked,reviews,reason,client,error\n';
const sessionRow = (s: SessionListItem) =>
  csvLine([
    s.id,
    s.startedAt,
    s.endedAt,
    s.user.email,
    s.user.isService,
    s.connection.name,
    s.connection.type,
    s.mode,
    s.status,
    s.statements,
    s.blocked,
    s.masked,
    s.reviews,
    s.reason,
    s.client,
    s.error,
  ]);

/** The sessions the list shows with these filters, newest first, page by page (keyed, so new sessions shift nothing). */
async function* matchingSessions(db: Db, user: SessionViewer, filters: SessionFilters): AsyncGenerator<SessionListItem[]> {
  const where = sessionWhere(user, filters);
  let after: { at: string; id: string } | null = null;
  let sent = 0;
  while (sent < EXPORT_MAX_SESSIONS) {
    const n = where.params.length;
    const keyset = after ? `\n  AND (s.started_at, s.id) < ($${n + 2}::timestamp, $${n + 3}::uuid)` : '';
    const rows: { id: string; at: string }[] = await db.$queryRawUnsafe(
      `SELECT s.id::text AS id, to_char(s.started_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM ` +
        `${SESSION_FROM}\nWHERE ${where.sql}${keyset}\nORDER BY s.started_at DESC, s.id DESC LIMIT $${n + 1}`,
      ...where.params,
      Math.min(200, EXPORT_MAX_SESSIONS - sent),
      ...(after ? [after.at, after.id] : []),
    );
    if (rows.length === 0) return;
    yield await sessionItems(
      db,
      rows.map((r) => r.id),
    );
    sent += rows.length;
    after = rows[rows.length - 1]!;
  }
}

/** The filtered session list as JSON lines or CSV: the sessions themselves, or all their events. */
/** `input` is checked here: the export route passes the URL's parameters as they came. */
export function exportSessionList(db: Db, user: SessionViewer, input: ExportListInput | Record<string, unknown>): Export {
  const q = parseInput(ExportListInput, input);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  async function* chunks() {
    if (q.format === 'csv') yield q.what === 'sessions' ? SESSIONS_CSV_HEADER : EVENTS_CSV_HEADER;
    for await (const page of matchingSessions(db, user, q)) {
      if (q.what === 'sessions') {
        yield page.map((s) => (q.format === 'csv' ? sessionRow(s) : `${JSON.stringify(s)}\n`)).join('');
        continue;
      }
      for (const s of page) {
        const who = { id: s.id, user: s.user.email, connection: s.connection.name };
        for await (const batch of eventsOf(db, s.id)) yield batch.map((e) => (q.format === 'csv' ? eventsCsvLine(who, e) : sessionJsonLine(who, e))).join('');
      }
    }
  }
  return { filename: `hoop-${q.what}-${stamp}.${q.format}`, contentType: CONTENT_TYPE[q.format], chunks: chunks() };
}
