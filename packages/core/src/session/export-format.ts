/** Text formats of the audit trail, the same as the gateway's `hoop sessions export` (JSON lines, CSV, asciicast v2). */

export const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const csvLine = (cells: unknown[]): string => `${cells.map(csvCell).join(',')}\n`;

export interface ExportEvent {
  seq: number;
  type: string;
  at: Date;
  data: unknown;
}

const field = (data: unknown, key: string): unknown =>
  data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>)[key] : undefined;

/** The columns of `hoop sessions export --format csv`. */
export const SESSION_CSV_HEADER = 'session,seq,at,type,sql,decision,rule,rows,error,data\n';
export const sessionCsvLine = (sessionId: string, e: ExportEvent): string =>
  csvLine([
    sessionId,
    e.seq,
    e.at,
    e.type,
    field(e.data, 'sql') ?? field(e.data, 'command'),
    field(e.data, 'decision'),
    field(e.data, 'ruleId'),
    field(e.data, 'rows'),
    field(e.data, 'error'),
    e.data,
  ]);

export const sessionJsonLine = (s: { id: string; user: string; connection: string }, e: ExportEvent): string =>
  `${JSON.stringify({ session: s.id, user: s.user, connection: s.connection, seq: e.seq, type: e.type, at: e.at, data: e.data })}\n`;

/** The trail of many sessions as CSV: who and where on every line. */
export const EVENTS_CSV_HEADER = 'session,user,connection,seq,at,type,sql,decision,rule,rows,error,data\n';
export const eventsCsvLine = (s: { id: string; user: string; connection: string }, e: ExportEvent): string =>
  csvLine([
    s.id,
    s.user,
    s.connection,
    e.seq,
    e.at,
    e.type,
    field(e.data, 'sql') ?? field(e.data, 'command'),
    field(e.data, 'decision'),
    field(e.data, 'ruleId'),
    field(e.data, 'rows'),
    field(e.data, 'error'),
    e.data,
  ]);

/**
 * A terminal session as an asciicast v2 recording (https://docs.asciinema.org/manual/asciicast/v2/): a header line,
 * then `[seconds, "o", text]` for output and `[seconds, "r", "COLSxROWS"]` for resizes, all masked as recorded.
 */
export function asciicast(
  session: { id: string; startedAt: Date },
  recording: { cols: number; rows: number; term: string; frames: [number, string, string][] },
): string {
  const header = {
    version: 2,
    width: recording.cols,
    height: recording.rows,
    timestamp: Math.floor(session.startedAt.getTime() / 1000),
    env: { TERM: recording.term },
    title: `hoop session ${session.id}`,
  };
  return `${[JSON.stringify(header), ...recording.frames.map((f) => JSON.stringify(f))].join('\n')}\n`;
}
