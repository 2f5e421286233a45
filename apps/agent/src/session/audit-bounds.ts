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

/**
 * `v` with every text bounded; the very same value (no copy) where nothing had to change. A value with its own
 * `toJSON` (a Date) is left as it is: JSON.stringify writes it as that method says, as it does in an event that needs
 * no bounding.
 */
function bound(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return boundText(v);
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const b = bound(v[i], depth + 1);
      if (b !== v[i]) (out ??= v.slice())[i] = b;
    }
    return out ?? v;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return v;
  let out: Record<string, unknown> | null = null;
  const entries = Object.entries(v);
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    const b = bound(x, depth + 1);
    if (b !== x && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[entries[j]![0]] = entries[j]![1];
    }
    if (out) out[k] = b;
  }
  return out ?? v;
}

/**
 * What an audit event may carry: every text up to MAX_RECORDED_TEXT characters (the rest is named by its length and
 * its sha256, so the recorded text can still be matched with the whole), and at most MAX_RECORDED_EVENT in all. A
 * 4 MB statement must not become a frame the gateway refuses, which would end the agent's link and come back with
 * every resend. Returns the data and its JSON (what the frame carries), which is made once.
 */
export function boundEvent(data: Record<string, unknown>): { data: Record<string, unknown>; json: string } {
  // no text is longer than the JSON it is written in: an event whose whole JSON is within the bound of one text is
  // kept as it is, with no walk over it (a statement's record, every time)
  const whole = JSON.stringify(data);
  if (whole.length <= MAX_RECORDED_TEXT) return { data, json: whole };
  const bounded = bound(data, 0) as Record<string, unknown>;
  const json = bounded === data ? whole : JSON.stringify(bounded);
  if (json.length <= MAX_RECORDED_EVENT) return { data: bounded, json };
  const notRecorded = {
    notRecorded: `this event's data (${json.length} characters once each text was shortened) is over hoop's limit of ${MAX_RECORDED_EVENT}`,
  };
  return { data: notRecorded, json: JSON.stringify(notRecorded) };
}

export function boundEventData(data: Record<string, unknown>): Record<string, unknown> {
  return boundEvent(data).data;
}
