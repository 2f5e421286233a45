import { z } from 'zod';
import { seesAllSessions, type SessionViewer } from './session-scope';

export const SessionMode = z.enum(['connect', 'exec', 'mcp', 'claude']);
export const SessionStatus = z.enum(['open', 'closed', 'failed']);
/** blocked: a statement or command was denied; reviewed: something was held for review; masked: values were masked */
export const SessionOutcome = z.enum(['blocked', 'reviewed', 'masked']);

/** The filters of the session list, shared by the list, its export and the page's URL. */
export const SessionFilters = z.object({
  /** the user's e-mail */
  user: z.string().trim().min(1).max(320, { error: 'The user filter is an e-mail address of at most 320 characters.' }).optional(),
  connection: z.string().trim().min(1).max(100, { error: 'The connection filter is a connection name of at most 100 characters.' }).optional(),
  mode: SessionMode.optional(),
  status: SessionStatus.optional(),
  /** sessions started at or after this time */
  from: z.date().optional(),
  /** sessions started before this time */
  to: z.date().optional(),
  outcome: SessionOutcome.optional(),
  /** text in a statement or command of the session */
  q: z.string().trim().min(1).max(200, { error: 'Search for at most 200 characters of a statement or command.' }).optional(),
});
export type SessionFilters = z.infer<typeof SessionFilters>;

/** A WHERE clause over `sessions s` (SESSION_FROM), with its positional parameters; $1 is always the org. */
export interface SqlWhere {
  sql: string;
  params: unknown[];
}

/** `2026-01-31T12:00:00.000`: timestamps are stored in UTC without a zone, so compare as such. */
const utcTimestamp = (d: Date) => d.toISOString().replace(/Z$/, '');
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Refusals and masking are read from the counters kept on each sessions row; reviews and the text filter look into
 * the session's events through its (session_id, seq) key, one session at a time, so their cost grows with the
 * sessions the other filters leave, not with the whole trail.
 */
const eventExists = (condition: string) => `EXISTS (SELECT 1 FROM audit_events e WHERE e.session_id = s.id AND (${condition}))`;

/** a Claude Code conversation's tool calls are judged by the guard: its `model.tool_use` events say how */
const toolUseExists = (condition: string) => `(s.mode = 'claude' AND ${eventExists(`e.type = 'model.tool_use' AND ${condition}`)})`;

const OUTCOME_SQL: Record<z.infer<typeof SessionOutcome>, string> = {
  blocked: `(s.blocked_count > 0 OR ${toolUseExists(`(e.data->>'verdict' = 'deny' OR e.data->>'outcome' = 'blocked')`)})`,
  reviewed: `(${eventExists(`e.type IN ('review.requested', 'review.decided')`)} OR ${toolUseExists(`e.data->>'verdict' = 'review'`)})`,
  masked: '(s.masked_count > 0 OR s.masked_total > 0)',
};

/** The sessions the viewer may see (their org; only their own unless admin or auditor), narrowed by the filters. */
export function sessionWhere(user: SessionViewer, f: SessionFilters): SqlWhere {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const and = [`s.org_id = ${p(user.orgId)}::uuid`];
  if (!seesAllSessions(user)) and.push(`s.user_id = ${p(user.id)}::uuid`);
  // by id, through each table's (org, name) key: the list and its count then read sessions alone
  if (f.user) and.push(`s.user_id IN (SELECT u.id FROM users u WHERE u.org_id = $1::uuid AND lower(u.email) = lower(${p(f.user)}))`);
  if (f.connection) and.push(`s.connection_id IN (SELECT c.id FROM connections c WHERE c.org_id = $1::uuid AND c.name = ${p(f.connection)})`);
  if (f.mode) and.push(`s.mode = ${p(f.mode)}`);
  if (f.status) and.push(`s.status = ${p(f.status)}`);
  if (f.from) and.push(`s.started_at >= ${p(utcTimestamp(f.from))}::timestamp`);
  if (f.to) and.push(`s.started_at < ${p(utcTimestamp(f.to))}::timestamp`);
  if (f.outcome) and.push(OUTCOME_SQL[f.outcome]);
  if (f.q) {
    const pattern = p(likePattern(f.q));
    // statements, commands, and a conversation's tool calls (the tool's name or its input)
    and.push(
      eventExists(
        `(e.type IN ('statement', 'command') AND (e.data->>'sql' ILIKE ${pattern} OR e.data->>'command' ILIKE ${pattern}))` +
          ` OR (e.type = 'model.tool_use' AND (e.data->>'tool' ILIKE ${pattern} OR e.data->>'input' ILIKE ${pattern}))` +
          ` OR (e.type = 'model.response' AND s.mode = 'claude' AND e.data->>'toolUses' ILIKE ${pattern})`,
      ),
    );
  }
  return { sql: and.join('\n  AND '), params };
}

export const SESSION_FROM = 'sessions s';
