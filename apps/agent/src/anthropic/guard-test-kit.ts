import { SseParser } from '@hoop/httpwire';
import { createLogger } from '@hoop/log';
import type { ReviewUpdate, SessionHooks } from '../session/hooks';
import type { ReviewSubject } from '../session/review-subject';
import { GuardStream } from './guard-stream';
import { fixedConversationPolicy } from './policy';

/** What the tests of the answer guard build answers from and read them with. */

export const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

export type Block = { text: string; pieces?: string[] } | { tool: string; id?: string; pieces: string[] };

/** a streamed Messages answer as the API words it, each block's deltas as given */
export function answer(blocks: Block[], stop = blocks.some((b) => 'tool' in b) ? 'tool_use' : 'end_turn'): string[] {
  const out = [ev('message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-t', content: [] } })];
  blocks.forEach((b, index) => {
    if ('text' in b) {
      out.push(ev('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const w of b.pieces ?? b.text.split(/(?<= )/))
        out.push(ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: w } }));
    } else {
      const content_block = { type: 'tool_use', id: b.id ?? `toolu_${index}`, name: b.tool, input: {} };
      out.push(ev('content_block_start', { type: 'content_block_start', index, content_block }));
      for (const p of b.pieces)
        out.push(ev('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: p } }));
    }
    out.push(ev('content_block_stop', { type: 'content_block_stop', index }));
  });
  out.push(ev('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 9 } }));
  out.push(ev('message_stop', { type: 'message_stop' }));
  return out;
}

/** the JSON of a Bash input, cut into pieces of `size` characters */
export const bash = (command: string, size = 1e9): string[] => {
  const json = JSON.stringify({ command, description: 'x' });
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
};

/** reviews as the gateway would answer them, decided by the test */
export function reviewDesk() {
  const asked: { sql: string; subject?: ReviewSubject; update: (u: ReviewUpdate) => void; cancelled: boolean }[] = [];
  const requestReview: NonNullable<SessionHooks['requestReview']> = (req, onUpdate) => {
    const r = { sql: req.sql, ...(req.subject ? { subject: req.subject } : {}), update: onUpdate, cancelled: false };
    asked.push(r);
    onUpdate({ status: 'pending', reviewId: `rev-${asked.length}`, url: 'http://web/r', expiresAt: new Date(Date.now() + 600_000).toISOString() });
    return () => {
      r.cancelled = true;
    };
  };
  return { asked, requestReview };
}

/** A guard on one answer, with what it sent and recorded. */
export function guarded(policy: unknown = null, o: { reviews?: ReturnType<typeof reviewDesk>; pingMs?: number } = {}) {
  const sent: Buffer[] = [];
  const audits: { type: string; data: Record<string, unknown> }[] = [];
  const p = fixedConversationPolicy(policy, o.reviews ? { requestReview: o.reviews.requestReview } : {});
  const g = new GuardStream({
    exchange: 7,
    policy: p,
    send: (b) => void sent.push(Buffer.from(b)),
    audit: (type, data) => void audits.push({ type, data }),
    log: createLogger('test', 'error'),
    ...(o.pingMs ? { pingMs: o.pingMs } : {}),
  });
  let ended = false;
  return {
    g,
    sent,
    audits,
    /** the answer's bytes pushed in `cuts` pieces, then its end */
    run(text: string | string[], cuts: number[] = []): void {
      const bytes = Buffer.from(Array.isArray(text) ? text.join('') : text);
      let at = 0;
      for (const c of [...cuts, bytes.length]) {
        g.push(bytes.subarray(at, c));
        at = c;
      }
      g.end(() => {
        ended = true;
      });
    },
    ended: () => ended,
    out: () => Buffer.concat(sent).toString('utf8'),
    toolUses: () => audits.filter((a) => a.type === 'model.tool_use').map((a) => a.data),
  };
}

/** the events of a stream's text, data parsed */
export function read(text: string): { event: string; data: Record<string, unknown> }[] {
  const out: { event: string; data: Record<string, unknown> }[] = [];
  new SseParser().push(Buffer.from(text), (e) => out.push({ event: e.event, data: JSON.parse(e.data) as Record<string, unknown> }));
  return out;
}

/** what Claude Code makes of a stream: its blocks by index (tool inputs parsed), and the stop reason */
export function blocks(text: string): { blocks: Record<string, unknown>[]; stop: unknown } {
  const out: Record<string, unknown>[] = [];
  const json = new Map<number, string>();
  let stop: unknown = null;
  for (const { data } of read(text)) {
    const i = data.index as number;
    if (data.type === 'content_block_start') {
      out[i] = { ...(data.content_block as Record<string, unknown>) };
      json.set(i, '');
    } else if (data.type === 'content_block_delta') {
      const d = data.delta as Record<string, string>;
      if (d.type === 'text_delta') out[i]!.text = String(out[i]!.text ?? '') + d.text;
      if (d.type === 'input_json_delta') json.set(i, json.get(i) + d.partial_json!);
    } else if (data.type === 'content_block_stop' && out[i]?.type === 'tool_use' && json.get(i)) out[i]!.input = JSON.parse(json.get(i)!);
    else if (data.type === 'message_delta') stop = (data.delta as Record<string, unknown>).stop_reason;
  }
  return { blocks: out, stop };
}
