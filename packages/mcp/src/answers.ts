import type pg from 'pg';
import { BLOCKED_PREFIX, REVIEW_PREFIX } from '@hoop/protocol';
import { explainMysqlError } from './mysql';

/** What a tool call answers: JSON (also as text, for clients that read only text), or an error an agent can act on. */
export type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean; structuredContent?: Record<string, unknown> };
export const ok = (value: Record<string, unknown>): ToolResult => ({
  content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
  structuredContent: value,
});
export const fail = (message: string): ToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** The SQL error a tool call ended with (Postgres or MySQL), in words an agent can act on. */
export function explain(err: unknown): ToolResult {
  const mysql = explainMysqlError(err);
  if (mysql !== null) return fail(mysql);
  const e = err as pg.DatabaseError;
  if (e.code === '42501' && e.message?.startsWith(REVIEW_PREFIX)) {
    return fail(`${e.message}. The statement did not run. Do not retry it unchanged; tell the user what the reviewer said.`);
  }
  if (e.code === '42501' && e.message?.startsWith(BLOCKED_PREFIX)) {
    return fail(`${e.message}.${e.hint ? ` ${e.hint}.` : ''} The statement was not run. Change it (for example add a WHERE clause), or ask a human to do it.`);
  }
  if (e.code) return fail(`the database answered: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`);
  return fail(e.message ?? String(err));
}
