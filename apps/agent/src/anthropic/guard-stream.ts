import { SseCutter, type SseEvent } from '@hoop/httpwire';
import type { Logger } from '@hoop/log';
import { OutputMasker } from './mask-output';
import type { ConversationPolicy } from './policy';
import { type CallDecision, type CallOutcome, decideToolCall } from './tool-calls';
import { isGuarded } from './tool-judge';

/** How often a ping keeps the answer's HTTP stream alive while a call waits on reviewers (the API itself pings). */
export const REVIEW_PING_MS = 10_000;
/** the most of a message's text kept as the intent stated before its tool calls (its end) */
const INTENT_CHARS = 8 * 1024;
/** the most of one tool call's events held: a call with more is refused */
const MAX_HELD_CALL = 4 * 1024 * 1024;

export interface GuardStreamOptions {
  exchange: number;
  policy: ConversationPolicy;
  /** bytes for Claude Code, in order */
  send(bytes: Buffer): void;
  audit(type: string, data: Record<string, unknown>): void;
  log: Logger;
  pingMs?: number;
}

const sse = (type: string, data: unknown) => Buffer.from(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
const PING = sse('ping', { type: 'ping' });
/** the event types of a message's stream: their name and their data's type must agree */
const MESSAGE_EVENTS = new Set(['message_start', 'message_delta', 'message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop']);

interface Message {
  intent: string;
  /** tool_use blocks started, and those passed on to Claude Code (unguarded, allowed or approved) */
  toolUses: number;
  passed: number;
}

/** a guarded tool_use block: its events held until its input is complete and judged */
interface HeldCall {
  kind: 'held';
  index: number;
  id: string;
  name: string;
  message: Message;
  /** the start's own input (JSON), when it was not empty */
  startInput: string | null;
  json: string[];
  raw: Buffer[];
  bytes: number;
  /** a delta other than input_json_delta came: what Claude Code would make of it is not judged, so it is refused */
  odd: boolean;
  outcome: CallOutcome | null;
  decision: CallDecision | null;
}

type Block = HeldCall | { kind: 'pass' } | { kind: 'text'; masker: OutputMasker | null };
/** what waits to be sent, in order: bytes, a held call, or a message_delta whose stop reason depends on its calls */
type Item = Buffer | HeldCall | { kind: 'stop'; message: Message; data: Record<string, unknown>; raw: Buffer };

/**
 * The guard on a streamed Messages answer (text/event-stream). Events pass through as they arrive, byte for byte —
 * each once its blank line has come — except a tool_use block of a guarded tool (tool-judge.ts): its start, its
 * input_json_delta events and its stop are held until its input is complete, then judged. Allowed: its events go on
 * unchanged. Denied: a text block at the same index says which guardrail stopped it and what it was; the call never
 * reaches Claude Code. Reviewed: held while reviewers decide, pings keeping the stream alive, then either. Whatever
 * comes after a held block waits behind it, in order; a message whose tool calls were all refused stops with
 * `end_turn` instead of `tool_use`, so Claude Code does not wait for a result. With `claude.mask.modelOutput`, the
 * text of text blocks is masked on its way (mask-output.ts).
 *
 * What does not read as the API's stream fails closed: a held block cut off before its stop (the answer ended, or
 * another message started) is refused; deltas of a block not open are dropped; a second start at an open index ends
 * the held block there as refused; an event whose name and data disagree, or whose data is not JSON, stops the answer
 * with an error event.
 */
export class GuardStream {
  private readonly cutter = new SseCutter();
  private readonly open = new Map<number, Block>();
  private readonly queue: Item[] = [];
  private message: Message = { intent: '', toolUses: 0, passed: 0 };
  private batch: Buffer[] = [];
  private pinger: NodeJS.Timeout | null = null;
  private ended: (() => void) | null = null;
  private over = false;

  constructor(private readonly o: GuardStreamOptions) {}

  /** whether pings keep the answer alive now (a call waits on reviewers) */
  get pinging(): boolean {
    return this.pinger !== null;
  }

  push(chunk: Buffer): void {
    if (this.over) return;
    try {
      this.cutter.push(chunk, (raw, e) => this.piece(raw, e));
    } catch (err) {
      return this.fail(`its event stream could not be read (${(err as Error).message})`);
    }
    this.flush();
  }

  /** The API's answer ended: what is still open is refused, and `done` is called once everything held has gone on. */
  end(done: () => void): void {
    if (this.over) return done();
    const rest = this.cutter.rest();
    // the LF of the last blank line's CRLF goes on; an event cut off is dropped, as Claude Code would drop it
    if (/^[\r\n]+$/.test(rest.toString('latin1'))) this.out(rest);
    else if (rest.length > 0) this.o.log.debug('model answer ended inside an event; its bytes are dropped', { bytes: rest.length });
    this.ended = done;
    // text held back for masking, of a block the answer never closed
    for (const b of this.open.values()) if (b.kind === 'text' && b.masker) this.out(b.masker.finish());
    this.cutOff('the answer ended before the tool call was complete');
    this.drain();
  }

  /** Claude Code or the API went away: reviews are abandoned, and nothing held is sent. */
  abandon(reason: string): void {
    if (this.over) return;
    this.over = true;
    this.stopPinging();
    for (const item of this.queue) if (!Buffer.isBuffer(item) && item.kind === 'held') item.decision?.abandon(reason);
    for (const b of this.open.values()) if (b.kind === 'held' && !b.decision) this.record(b, reason);
    this.queue.length = 0;
    this.open.clear();
  }

  private piece(raw: Buffer, e: SseEvent | null): void {
    if (this.over) return;
    if (!e) return this.out(raw);
    let d: Record<string, unknown> | null = null;
    try {
      const v: unknown = JSON.parse(e.data);
      if (v && typeof v === 'object' && !Array.isArray(v)) d = v as Record<string, unknown>;
    } catch {}
    const type = typeof d?.type === 'string' ? d.type : null;
    const named = e.event !== 'message';
    if ((MESSAGE_EVENTS.has(e.event) || (type && MESSAGE_EVENTS.has(type))) && (!d || !type || (named && e.event !== type)))
      return this.fail(`a "${e.event}" event whose data does not match its name`);
    if (!d || !type) return this.out(raw);
    const index = d.index;
    if (type.startsWith('content_block_') && !(typeof index === 'number' && Number.isInteger(index) && index >= 0))
      return this.fail(`a ${type} event without a valid index`);
    switch (type) {
      case 'message_start':
        this.cutOff('another message started before the tool call was complete');
        this.message = { intent: '', toolUses: 0, passed: 0 };
        return this.out(raw);
      case 'content_block_start':
        return this.start(index as number, d, raw);
      case 'content_block_delta':
        return this.delta(index as number, d, raw);
      case 'content_block_stop':
        return this.stop(index as number, raw);
      case 'message_delta': {
        this.cutOff('the message ended before the tool call was complete');
        const delta = d.delta as Record<string, unknown> | undefined;
        if (delta?.stop_reason === 'tool_use') return this.out({ kind: 'stop', message: this.message, data: d, raw });
        return this.out(raw);
      }
      case 'message_stop':
        this.cutOff('the message ended before the tool call was complete');
        return this.out(raw);
      default:
        return this.out(raw);
    }
  }

  private start(index: number, d: Record<string, unknown>, raw: Buffer): void {
    const was = this.open.get(index);
    if (was?.kind === 'held') this.decide(was, 'another block started at its place before it was complete');
    if (was?.kind === 'text' && was.masker) this.out(was.masker.finish());
    const b = (d.content_block ?? {}) as Record<string, unknown>;
    if (b.type === 'tool_use') {
      this.message.toolUses++;
      const name = typeof b.name === 'string' ? b.name : '';
      if (!isGuarded(name, this.o.policy.resolved())) {
        this.message.passed++;
        this.open.set(index, { kind: 'pass' });
        return this.out(raw);
      }
      const input = b.input && typeof b.input === 'object' && Object.keys(b.input).length > 0 ? JSON.stringify(b.input) : null;
      const id = typeof b.id === 'string' ? b.id : '';
      const call: HeldCall = {
        kind: 'held',
        index,
        id,
        name,
        message: this.message,
        startInput: input,
        json: [],
        raw: [raw],
        bytes: raw.length,
        odd: false,
        outcome: null,
        decision: null,
      };
      this.open.set(index, call);
      return this.out(call);
    }
    if (b.type === 'text') {
      if (typeof b.text === 'string') this.addIntent(b.text);
      const masker = this.maskOutput() ? new OutputMasker(this.o.policy.hooks, index) : null;
      this.open.set(index, { kind: 'text', masker });
      if (masker && typeof b.text === 'string' && b.text) {
        this.out(sse('content_block_start', { ...d, content_block: { ...b, text: '' } }));
        return this.out(masker.add(b.text));
      }
      return this.out(raw);
    }
    this.open.set(index, { kind: 'pass' });
    this.out(raw);
  }

  private delta(index: number, d: Record<string, unknown>, raw: Buffer): void {
    const b = this.open.get(index);
    if (!b) {
      this.o.log.debug('model answer: a delta of a block that is not open was dropped', { index });
      return;
    }
    const delta = (d.delta ?? {}) as Record<string, unknown>;
    if (b.kind === 'held') {
      b.raw.push(raw);
      b.bytes += raw.length;
      if (b.bytes > MAX_HELD_CALL) return this.decide(b, `its input is over ${MAX_HELD_CALL} bytes`);
      if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') b.json.push(delta.partial_json);
      else b.odd = true;
      return;
    }
    if (b.kind === 'text' && delta.type === 'text_delta' && typeof delta.text === 'string') {
      this.addIntent(delta.text);
      if (b.masker) return this.out(b.masker.add(delta.text));
    }
    this.out(raw);
  }

  private stop(index: number, raw: Buffer): void {
    const b = this.open.get(index);
    this.open.delete(index);
    if (b?.kind === 'held') {
      b.raw.push(raw);
      return this.decide(b, null);
    }
    // the stop of a block that is not open (never started, or refused whole already) is not Claude Code's to read
    if (!b) return;
    if (b.kind === 'text' && b.masker) this.out(b.masker.finish());
    this.out(raw);
  }

  /** Judges a held call whose input is complete, or refuses it (`cutOff`: why it never will be). */
  private decide(call: HeldCall, cutOff: string | null): void {
    this.open.delete(call.index);
    const done = (outcome: CallOutcome) => {
      call.outcome = outcome;
      if (outcome.passed) call.message.passed++;
      if (call.decision?.reviewing) this.drain();
    };
    if (cutOff || call.odd || (call.startInput !== null && call.json.length > 0)) {
      const why = cutOff ?? (call.odd ? 'its input came in a form hoop does not read' : 'its input came twice, at its start and in pieces');
      this.record(call, why, cutOff ? 'incomplete-call' : 'unreadable-input');
      done({ passed: false, refusal: `blocked by hoop: the ${call.name || 'tool'} call was not passed on: ${why}` });
      return;
    }
    const input = call.json.length > 0 ? call.json.join('') : (call.startInput ?? '{}');
    const { exchange, policy, audit } = this.o;
    const masking = this.maskOutput();
    const shown = masking ? (t: string) => policy.hooks.maskText(t) : undefined;
    const intent = this.message === call.message ? this.message.intent : '';
    call.decision = decideToolCall({ exchange, id: call.id, name: call.name, input, intent }, { policy, audit, ...(shown ? { shown } : {}) }, done);
  }

  /** records a call refused before it could be judged */
  private record(call: HeldCall, why: string, rule = 'incomplete-call'): void {
    const input = this.o.policy.hooks.maskAudit(call.json.join('').slice(0, 4096) || call.startInput || '');
    this.o.audit('model.tool_use', {
      exchange: this.o.exchange,
      toolUseId: call.id,
      tool: call.name,
      input,
      verdict: 'deny',
      rule,
      outcome: 'blocked',
      reason: why,
    });
  }

  private cutOff(why: string): void {
    for (const b of [...this.open.values()]) if (b.kind === 'held') this.decide(b, why);
  }

  private out(item: Item): void {
    if (this.queue.length === 0 && Buffer.isBuffer(item)) this.batch.push(item);
    else this.queue.push(item);
  }

  /** sends what this push let through, then what the queue releases */
  private flush(): void {
    this.drain();
  }

  private drain(): void {
    if (this.over) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (Buffer.isBuffer(head)) this.batch.push(head);
      else if (head.kind === 'held') {
        if (!head.outcome) break;
        this.batch.push(...(head.outcome.passed ? head.raw : [refusalBlock(head.index, head.outcome.refusal)]));
      } else this.batch.push(this.stopEvent(head));
      this.queue.shift();
    }
    if (this.batch.length > 0) {
      const bytes = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
      this.batch = [];
      this.o.send(bytes);
    }
    const waiting = this.queue[0];
    if (waiting && !Buffer.isBuffer(waiting) && waiting.kind === 'held' && waiting.decision?.reviewing) this.startPinging();
    else this.stopPinging();
    if (this.queue.length === 0 && this.ended) {
      const done = this.ended;
      this.ended = null;
      this.over = true;
      done();
    }
  }

  /** message_delta: `end_turn` when none of the message's tool calls went on */
  private stopEvent(s: { message: Message; data: Record<string, unknown>; raw: Buffer }): Buffer {
    if (s.message.passed > 0) return s.raw;
    return sse('message_delta', { ...s.data, delta: { ...(s.data.delta as Record<string, unknown>), stop_reason: 'end_turn' } });
  }

  private addIntent(text: string): void {
    const m = this.message;
    m.intent += text;
    if (m.intent.length > INTENT_CHARS * 2) m.intent = m.intent.slice(-INTENT_CHARS);
  }

  private maskOutput(): boolean {
    const r = this.o.policy.resolved();
    return 'policy' in r && r.policy.claude.mask.modelOutput;
  }

  private startPinging(): void {
    if (this.pinger) return;
    this.pinger = setInterval(() => {
      if (!this.over) this.o.send(PING);
    }, this.o.pingMs ?? REVIEW_PING_MS);
  }

  private stopPinging(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
  }

  /** The answer cannot be read as the API's stream: nothing held goes on, and Claude Code gets an error event. */
  private fail(why: string): void {
    if (this.over) return;
    this.o.log.warn('model answer refused: it does not read as the API stream', { why });
    this.abandon(`the answer could not be read: ${why}`);
    this.batch.push(sse('error', { type: 'error', error: { type: 'api_error', message: `hoop stopped the model's answer: ${why}` } }));
    const bytes = Buffer.concat(this.batch);
    this.batch = [];
    this.o.send(bytes);
    if (this.ended) {
      const done = this.ended;
      this.ended = null;
      done();
    }
  }
}

/** the text block that stands in for a refused call, at its index */
export function refusalBlock(index: number, text: string): Buffer {
  return Buffer.concat([
    sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }),
    sse('content_block_stop', { type: 'content_block_stop', index }),
  ]);
}
