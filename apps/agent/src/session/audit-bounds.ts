import { createHash } from 'node:crypto';

/** longest text kept whole in an audit event (a statement, a command, a masked value) */
export const MAX_RECORDED_TEXT = 64 * 1024;
/** an event whose data is still larger than this once each text is bounded is recorded as its size alone */
export const MAX_RECORDED_EVENT = 1024 * 1024;

function boundText(s: string): string {
  if (s.length <= MAX_RECORDED_TEXT) return s;
  const digest = createHash('sha256').update(s).digest('hex');
  return `${s.slice(0, MAX_RECORDED_TEXT)}… [hoop: ${s.length - MAX_RECORDED_TEXT} more characters not recorded; sha256 of the whole text ${digest}]`;
}

function bound(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return boundText(v);
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => bound(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = bound(x, depth + 1);
  return out;
}

/**
 * What an audit event may carry: every text up to MAX_RECORDED_TEXT characters (the rest is named by its length and
 * its sha256, so the recorded text can still be matched with the whole), and at most MAX_RECORDED_EVENT in all. A
 * 4 MB statement must not become a frame the gateway refuses, which would end the agent's link and come back with
 * every resend.
 */
export function boundEventData(data: Record<string, unknown>): Record<string, unknown> {
  const bounded = bound(data, 0) as Record<string, unknown>;
  const size = JSON.stringify(bounded).length;
  if (size <= MAX_RECORDED_EVENT) return bounded;
  return { notRecorded: `this event's data (${size} characters once each text was shortened) is over hoop's limit of ${MAX_RECORDED_EVENT}` };
}
