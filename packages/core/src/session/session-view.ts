import { z } from 'zod';
import { ClaudeStats } from './claude-stats';
import { SessionMode, SessionStatus } from './session-filters';

/** The shapes the session pages get. Everything in the audit trail is stored masked, so all of it may be shown. */

export const SessionUser = z.object({
  name: z.string(),
  email: z.string(),
  /** a service account: an AI agent's identity rather than a person */
  isService: z.boolean(),
});

/** conversation: a Claude Code conversation with the model API (an anthropic connection, mode claude); http: API requests */
export const SessionKind = z.enum(['sql', 'terminal', 'conversation', 'http']);
export type SessionKind = z.infer<typeof SessionKind>;

export const SessionListItem = z.object({
  id: z.string(),
  user: SessionUser,
  connection: z.object({ name: z.string(), type: z.string() }),
  kind: SessionKind,
  mode: SessionMode.or(z.string()),
  status: SessionStatus.or(z.string()),
  startedAt: z.date(),
  endedAt: z.date().nullable(),
  /** statements (SQL) or commands (terminal) judged in the session */
  statements: z.number().int(),
  /** of which denied by a guardrail */
  blocked: z.number().int(),
  /** values masked in results and output */
  masked: z.number().int(),
  /** review requests raised in the session */
  reviews: z.number().int(),
  /** why, as the user said with --reason */
  reason: z.string().nullable(),
  client: z.string().nullable(),
  error: z.string().nullable(),
  /** a Claude Code conversation's models, tokens and tool calls (its tool calls are also its statements, blocked, reviews) */
  claude: ClaudeStats.nullable(),
});
export type SessionListItem = z.infer<typeof SessionListItem>;

export const TERMINAL_TYPES: ReadonlySet<string> = new Set(['ssh', 'command']);
/** connection types whose sessions are HTTP requests (a kubernetes connection's are the API server's) */
export const HTTP_TYPES: ReadonlySet<string> = new Set(['http', 'kubernetes']);
export const kindOf = (connectionType: string): SessionKind =>
  TERMINAL_TYPES.has(connectionType) ? 'terminal' : connectionType === 'anthropic' ? 'conversation' : HTTP_TYPES.has(connectionType) ? 'http' : 'sql';

/** The fields of `clientInfo` that are shown: what the client sent, never trusted to be of any shape. */
export function clientFields(info: unknown): { reason: string | null; client: string | null } {
  const o = info && typeof info === 'object' && !Array.isArray(info) ? (info as Record<string, unknown>) : {};
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 2000) : null);
  return { reason: text(o.reason), client: text(o.client) };
}

/** Per-session counts for the list and the session page. */
export interface SessionCounts {
  statements: number;
  blocked: number;
  masked: number;
  reviews: number;
}

/** The counters the database keeps on each sessions row as events are stored (trigger hoop_audit_session_counters). */
export interface SessionCounters {
  statementCount: number;
  heldCount: number;
  approvedCount: number;
  blockedCount: number;
  reviewCount: number;
  maskedCount: number;
  maskedTotal: number | null;
}

/**
 * Counts from the session's stored counters, without reading its events. A statement held for review is recorded
 * twice when approved (held, then run): it counts once. Masked values are the session's closing total once it closed
 * with one, else the sum over its statements so far.
 */
export function countsOf(s: SessionCounters): SessionCounts {
  return {
    statements: s.statementCount + Math.max(0, s.heldCount - s.approvedCount),
    blocked: s.blockedCount,
    masked: s.maskedTotal ?? s.maskedCount,
    reviews: s.reviewCount,
  };
}
