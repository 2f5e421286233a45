import { EXIT } from '@hoop/protocol';
import { loadConfig } from '../config';
import type { CliEnv } from '../env';
import { usage } from '../errors';
import { formatTable } from '../format';
import { api } from '../gateway';

interface SessionSummary {
  id: string;
  user: string;
  serviceAccount?: boolean;
  reason?: string | null;
  connection: string;
  mode: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  events: number;
  /** a Claude Code conversation's totals (mode claude) */
  claude?: { models: string[]; inputTokens: number; outputTokens: number; toolCalls: number; blocked: number; exchanges: number } | null;
  /** an http session's requests (mode connect or exec on an http connection) */
  http?: { requests: number; blocked: number; reviewed: number } | null;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const tokenCount = (n: number) => (n < 10_000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(1)}M`);

/** A conversation's models, tokens and tool calls in a few words (the last column of `hoop sessions` when one is listed). */
function conversationLine(c: NonNullable<SessionSummary['claude']>): string {
  return [
    c.models.join(',') || 'no model',
    `${tokenCount(c.inputTokens + c.outputTokens)} tokens`,
    count(c.toolCalls, 'tool call') + (c.blocked ? ` (${c.blocked} blocked)` : ''),
  ].join(' · ');
}

/** An http session's requests in a few words: how many, of which refused and held for review. */
function requestsLine(h: NonNullable<SessionSummary['http']>): string {
  const more = [h.blocked ? `${h.blocked} blocked` : '', h.reviewed ? `${h.reviewed} reviewed` : ''].filter(Boolean).join(', ');
  return `${count(h.requests, 'request')}${more ? ` (${more})` : ''}`;
}

/** One model event of a conversation in a line: the request, the answer's tokens and tool calls, a tool call's verdict. */
function modelEventLine(type: string, d: Record<string, unknown>): string | null {
  const x = `#${String(d.exchange ?? '?')}`;
  if (type === 'model.request')
    return `${x} ${String(d.method ?? '')} ${String(d.path ?? '')} ${String(d.model ?? '')} ${String(d.bytes ?? '?')} bytes${d.truncated ? ' (cut)' : ''}`;
  if (type === 'model.response') {
    const u = (d.usage ?? {}) as Record<string, unknown>;
    const tools = Array.isArray(d.toolUses) ? (d.toolUses as { name?: string }[]).map((t) => t.name ?? '?') : [];
    return (
      `${x} ${String(d.status ?? '?')} ${String(d.stopReason ?? '')} in ${String(u.inputTokens ?? 0)} out ${String(u.outputTokens ?? 0)}` +
      `${tools.length ? ` tools ${tools.join(',')}` : ''} ${String(d.ms ?? '?')} ms${d.text ? `  ${JSON.stringify(String(d.text).slice(0, 60))}` : ''}`
    );
  }
  if (type === 'model.tool_use')
    return (
      `${x} ${String(d.verdict ?? '')
        .toUpperCase()
        .padEnd(6)} ${d.rule ? `[${String(d.rule)}] ` : ''}${String(d.tool ?? '?')} ` +
      `${String(d.input ?? '')
        .replace(/\s+/g, ' ')
        .slice(0, 80)} → ${String(d.outcome ?? '?')}`
    );
  if (type === 'model.error' || type === 'model.abort') return `${x} ${String(d.message ?? d.reason ?? '')}`;
  return null;
}

export async function sessionsList(
  env: CliEnv,
  filters: { connection?: string; user?: string; status?: string; limit?: string },
  output: 'text' | 'json',
): Promise<number> {
  const config = await loadConfig(env);
  const q = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const { sessions } = await api<{ sessions: SessionSummary[] }>(config, `/api/sessions?${q}`);
  if (output === 'json') process.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
  else if (sessions.length === 0) process.stdout.write('no sessions match\n');
  else {
    // a Claude Code conversation says what it was: its models, tokens and tool calls
    const conversations = sessions.some((s) => s.claude);
    const apis = sessions.some((s) => s.http);
    process.stdout.write(
      formatTable(
        ['id', 'started', 'user', 'connection', 'mode', 'status', 'events', ...(apis ? ['requests'] : []), ...(conversations ? ['conversation'] : [])],
        sessions.map((s) => [
          s.id,
          s.startedAt.replace('T', ' ').slice(0, 19),
          s.serviceAccount ? `${s.user} (service)` : s.user,
          s.connection,
          s.mode,
          s.status,
          String(s.events),
          ...(apis ? [s.http ? requestsLine(s.http) : ''] : []),
          ...(conversations ? [s.claude ? conversationLine(s.claude) : ''] : []),
        ]),
      ),
    );
  }
  return EXIT.ok;
}

export async function sessionsGet(env: CliEnv, id: string, output: 'text' | 'json'): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<{ session: SessionSummary; events: { seq: number; type: string; at: string; data: Record<string, unknown> }[] }>(
    config,
    `/api/sessions/${encodeURIComponent(id)}`,
  );
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return EXIT.ok;
  }
  const s = r.session;
  process.stdout.write(
    `session ${s.id}\n  user ${s.user}${s.serviceAccount ? ' (service account)' : ''}${s.reason ? `  reason: ${s.reason}` : ''}  connection ` +
      `${s.connection}  mode ${s.mode}  status ${s.status}\n  started ${s.startedAt}${s.endedAt ? `  ended ${s.endedAt}` : ''}\n\n`,
  );
  for (const e of r.events) {
    const d = e.data;
    const detail =
      e.type === 'statement'
        ? `${String(d.decision ?? '')
            .toUpperCase()
            .padEnd(6)} ${d.ruleId ? `[${String(d.ruleId)}] ` : ''}${String(d.sql ?? '')
            .replace(/\s+/g, ' ')
            .slice(0, 100)}${
            d.lang === 'http'
              ? `  → ${d.status ?? 'no answer'} ${(d.response as { bytes?: number } | undefined)?.bytes ?? 0} bytes ${d.durationMs ?? '?'} ms` +
                `${d.error ? `  error: ${String(d.error)}` : ''}`
              : d.executed
                ? `  → ${(d.tags as string[] | undefined)?.join(', ') ?? ''} ${d.rows ?? 0} rows ` +
                  `${d.durationMs ?? '?'} ms${d.error ? `  error: ${String(d.error)}` : ''}`
                : ''
          }`
        : e.type === 'command'
          ? `${String(d.decision ?? '')
              .toUpperCase()
              .padEnd(6)} ${d.ruleId ? `[${String(d.ruleId)}] ` : ''}${String(d.command ?? '')
              .replace(/\s+/g, ' ')
              .slice(0, 100)}`
          : e.type === 'term.output'
            ? JSON.stringify(String(d.d ?? '')).slice(0, 100)
            : (modelEventLine(e.type, d) ?? JSON.stringify(d).slice(0, 120));
    process.stdout.write(`${String(e.seq).padStart(5)}  ${e.at.slice(11, 23)}  ${e.type.padEnd(14)} ${detail}\n`);
  }
  return EXIT.ok;
}

export async function sessionsExport(env: CliEnv, id: string, format: string): Promise<number> {
  if (format !== 'jsonl' && format !== 'csv' && format !== 'cast') throw usage('--format is jsonl, csv or cast (asciicast v2, terminal sessions)');
  const config = await loadConfig(env);
  process.stdout.write(await api<string>(config, `/api/sessions/${encodeURIComponent(id)}/export?format=${format}`, { raw: true }));
  return EXIT.ok;
}

interface PurgedTotals {
  sessions: number;
  events: number;
  purges: { id: number; at: string; from: string | null; to: string | null }[];
}

/** What retention removed, on record: said next to a verdict so it is never mistaken for a gap. */
function purgedLine(p: PurgedTotals | undefined, sessionId: string | undefined): string {
  if (!p || p.sessions === 0) return '';
  const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '?');
  const purge = p.purges[0];
  if (sessionId)
    return (
      `session ${sessionId} was purged by retention${purge ? ` on ${day(purge.at)} (purge ${purge.id})` : ''}: ` +
      `its ${p.events} event(s) were removed on record, and its final hash still matches the global chain\n`
    );
  const from =
    p.purges
      .map((x) => x.from)
      .filter((x): x is string => Boolean(x))
      .sort()[0] ?? null;
  const to =
    p.purges
      .map((x) => x.to)
      .filter((x): x is string => Boolean(x))
      .sort()
      .at(-1) ?? null;
  return (
    `purged by retention, on record: ${p.sessions} session(s), ${p.events} event(s) from ${day(from)} to ` +
    `${day(to)} in ${p.purges.length} purge(s) (not gaps: each purge's checkpoint and admin event were checked)\n`
  );
}

interface Signatures {
  checked: boolean;
  note: string;
}
interface ChainHead {
  id: string;
  hash: string;
}

/** The chain's signatures, and its head to compare with the newest `audit chain head signed` line the gateway logged. */
function signatureLines(s: Signatures | undefined, head: ChainHead | null | undefined): string {
  if (!s) return '';
  return `${s.checked ? `signatures: ${s.note}` : s.note}\n${head ? `chain head: link ${head.id}, hash ${head.hash}\n` : ''}`;
}

/**
 * `hoop audit verify [--session ID]`: exit 0 when every hash and every signature of the global chain checks out, 1
 * with the first broken link otherwise.
 */
export async function auditVerify(env: CliEnv, sessionId: string | undefined): Promise<number> {
  const config = await loadConfig(env);
  const r = await api<{
    ok: boolean;
    sessions: number;
    events: number;
    admin?: { events: number };
    problem?: { sessionId?: string; seq?: number; message: string };
    purged?: PurgedTotals;
    signatures?: Signatures;
    head?: ChainHead | null;
  }>(config, '/api/audit/verify', { method: 'POST', body: sessionId ? { sessionId } : {} });
  if (r.ok) {
    if (!(sessionId && r.sessions === 0))
      process.stdout.write(
        `audit trail intact: ${r.sessions} session(s), ${r.events} event(s)${r.admin ? `, ${r.admin.events} admin change(s)` : ''} verified\n`,
      );
    process.stdout.write(purgedLine(r.purged, sessionId));
    process.stdout.write(signatureLines(r.signatures, r.head));
    return EXIT.ok;
  }
  const p = r.problem!;
  process.stdout.write(
    `audit trail BROKEN${p.sessionId ? ` in session ${p.sessionId}` : ''}${p.seq !== undefined ? ` at event ${p.seq}` : ''}: ${p.message}\n`,
  );
  if (r.signatures && !r.signatures.checked) process.stdout.write(`${r.signatures.note}\n`);
  return EXIT.targetError;
}
