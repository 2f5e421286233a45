import type { Duplex } from 'node:stream';
import {
  BodyRecord,
  creditOf,
  encodeBody,
  encodeFrame,
  encodeHead,
  type Frame,
  ExchangeFrameParser,
  FrameKind,
  parseRequestHead,
  type RequestHead,
} from '@hoop/httpwire';
import type { Logger } from '@hoop/log';
import type { MemoryBudget } from '../session/memory-budget';
import { type HeldBody, RequestMasking } from './held-request';
import { RequestRefusal } from './mask-request';
import type { ConversationPolicy } from './policy';
import { ConversationTotals, modelOf } from './record';
import { type Answer, relayAnswer } from './answer';
import { apiError, type Upstream, type UpstreamCall } from './upstream';

export interface ExchangeServerOptions {
  upstream: Upstream;
  log: Logger;
  /** the session's policy: what is masked before the model reads it, which tool calls it asks for are judged */
  policy: ConversationPolicy;
  audit(type: string, data: Record<string, unknown>): void;
  /** the conversation is over (the gateway ended the stream, or it failed): `reason` says which */
  onEnd(reason: string, totals: ConversationTotals): void;
  /** the agent's budget for client input held by all sessions (held-request.ts); absent: the conversation's own */
  budget?: MemoryBudget;
  /** how often a ping keeps an answer alive while a tool call waits on reviewers (REVIEW_PING_MS) */
  pingMs?: number;
}

interface Exchange {
  call: UpstreamCall | null;
  answer: Answer | null;
  head: RequestHead;
  /** a Messages request's body, held until it is whole and masked (held-request.ts) */
  held: HeldBody | null;
  /** what its `model.request` says besides: what was masked, or why it was refused */
  note: Record<string, unknown>;
  /** the body as sent (a held request's: masked) */
  request: BodyRecord;
  /** the request head's headers came; its body is still arriving */
  open: boolean;
  /** its `model.request` is recorded */
  recorded: boolean;
  done: boolean;
  /** bytes of answer body the gateway still takes on this exchange; null: no credit per exchange (the stream's only) */
  credit: number | null;
  /** the API's answer is paused until credit comes */
  waiting: (() => void) | null;
}

/**
 * One conversation's stream: the HTTP exchanges the gateway frames on it (httpwire's exchange frames) are sent to the
 * model API as they arrive, and the answers framed back as the API sends them — event by event for a streamed answer,
 * nothing held whole. Each exchange is recorded: the request (its body kept up to a limit, the model it asks for) and
 * the response (status, timings, token usage, tool calls, stop reason, its body up to a limit). A request is recorded
 * before its response, even when the API answers before the request's end frame is read (see recordRequest).
 * The Messages API's requests are the exception: what the model reads is masked first, so their bodies are held
 * whole until their end frame, masked, and sent then (held-request.ts, mask-request.ts).
 * Flow control is per exchange once the gateway turns credit on (httpwire's `credit` frame): an answer whose client
 * stops reading uses up its exchange's credit, and the API's answer is paused, while the other exchanges go on.
 * Without it only the stream's own backpressure applies, which holds back every exchange at once.
 */
export function serveExchanges(stream: Duplex, o: ExchangeServerOptions): void {
  const parser = new ExchangeFrameParser();
  const masking = new RequestMasking({ policy: o.policy, ...(o.budget ? { budget: o.budget } : {}) });
  const exchanges = new Map<number, Exchange>();
  const totals = new ConversationTotals();
  let ending = false;
  let over = false;
  /** the credit each exchange starts with, once the gateway's first frame set it */
  let window: number | null = null;

  const send = (buf: Buffer): boolean => (stream.writable ? stream.write(buf) : true);
  const finishIfDone = () => {
    if (!ending || over || exchanges.size > 0) return;
    over = true;
    o.onEnd('the conversation ended', totals);
    stream.end();
  };

  /** what `x`'s answer sends, its body counted against the exchange's credit; false: wait for `whenSendable` */
  const sendFor =
    (x: Exchange) =>
    (buf: Buffer): boolean => {
      const ok = send(buf);
      if (x.credit === null || buf.readUInt8(8) !== FrameKind.body) return ok;
      x.credit -= buf.length - 9;
      return ok && x.credit > 0;
    };
  /** calls `resume` once the stream has drained and the exchange has credit again */
  const whenSendable = (x: Exchange, resume: () => void) => {
    if (x.done) return;
    if (stream.writableNeedDrain) return void stream.once('drain', () => whenSendable(x, resume));
    if (x.credit !== null && x.credit <= 0) return void (x.waiting = () => whenSendable(x, resume));
    resume();
  };
  const addCredit = (id: number, payload: Buffer) => {
    const bytes = creditOf(payload);
    if (bytes === null) throw new Error('a credit frame must hold 4 bytes');
    if (id === 0) return void (window ??= bytes);
    const x = exchanges.get(id);
    if (!x || x.credit === null) return;
    x.credit += bytes;
    const waiting = x.waiting;
    x.waiting = null;
    if (waiting && x.credit > 0) waiting();
    else x.waiting = waiting;
  };

  const onFrame = (f: Frame) => {
    if (f.kind === FrameKind.credit) return addCredit(f.exchange, f.payload);
    const x = exchanges.get(f.exchange);
    if (f.kind === FrameKind.request) {
      if (x) return fail(f.exchange, 'the exchange id is already in use');
      start(f.exchange, f.payload);
    } else if (!x) {
      // an exchange that already ended (the answer came before the client's abort): nothing to do
    } else if (f.kind === FrameKind.body) {
      if (x.held) {
        const refused = x.held.add(f.payload);
        if (refused) refuse(f.exchange, x, refused);
        return;
      }
      x.request.add(f.payload);
      if (x.call && !x.call.write(f.payload)) {
        stream.pause();
        x.call.onDrain(() => stream.resume());
      }
    } else if (f.kind === FrameKind.end) {
      if (x.held) return sendHeld(f.exchange, x, x.held);
      endRequest(x);
      recordRequest(f.exchange, x);
    } else if (f.kind === FrameKind.abort) {
      x.call?.abort();
      x.answer?.abandon('the client went away');
      if (x.held) x.note = { notSent: `the client went away with ${x.held.bytes} bytes of the body sent` };
      recordRequest(f.exchange, x);
      close(f.exchange, 'the client went away');
    }
  };

  const endRequest = (x: Exchange) => {
    if (!x.open) return;
    x.open = false;
    x.call?.end();
  };

  /**
   * The request's record, once: at its end frame, or at the end of the exchange when that comes first. The API may
   * answer as soon as it has the body its content-length announced, and the answer's end may be read here before the
   * request's end frame is (or the gateway, its client answered, sends none); that frame then finds the exchange
   * gone. Recorded at the answer's end instead, the request is in the trail, before its response and the session's
   * close, with every body frame that came (the API had all of them).
   */
  const recordRequest = (id: number, x: Exchange) => {
    if (x.recorded) return;
    x.recorded = true;
    const req = x.request.fields();
    const described = x.call?.describe() ?? { method: x.head.method, path: x.head.path };
    o.audit('model.request', { exchange: id, ...described, model: modelOf(req.body), ...req, ...x.note });
  };

  /** A held request whole: masked and sent, or refused. */
  const sendHeld = (id: number, x: Exchange, held: HeldBody) => {
    const out = masking.finish(x.head, held);
    if (out instanceof RequestRefusal) return refuse(id, x, out);
    x.held = null;
    x.note = { masked: out.report, ...(out.masked ? {} : { unchanged: true }) };
    x.request.add(out.body);
    dispatch(id, x, out.head);
    x.call?.write(out.body);
    endRequest(x);
    recordRequest(id, x);
  };

  /**
   * A request answered by hoop with an API-shaped error, never sent: recorded without its body (unread or unmasked,
   * it may hold what masking keeps from the model), with the answer's status and words.
   */
  const refuse = (id: number, x: Exchange, r: RequestRefusal) => {
    x.note = { refused: r.message, ...(x.held ? { heldBytes: x.held.bytes } : {}) };
    x.held?.release();
    x.held = null;
    recordRequest(id, x);
    const e = apiError(r.status, r.type, r.message);
    send(encodeHead(id, FrameKind.response, e.head));
    for (const frame of encodeBody(id, e.body)) send(frame);
    send(encodeFrame(id, FrameKind.end));
    totals.add(null, r.status);
    o.audit('model.response', { exchange: id, status: r.status, ms: 0, error: { type: r.type, message: r.message }, answeredBy: 'hoop' });
    close(id);
  };

  const fail = (id: number, message: string) => {
    send(encodeFrame(id, FrameKind.abort, Buffer.from(JSON.stringify({ message }))));
  };

  const close = (id: number, abortedBecause?: string) => {
    const x = exchanges.get(id);
    if (!x || x.done) return;
    x.done = true;
    x.waiting = null;
    x.held?.release();
    exchanges.delete(id);
    if (abortedBecause) o.audit('model.abort', { exchange: id, reason: abortedBecause });
    finishIfDone();
  };

  const start = (id: number, payload: Buffer) => {
    const head = parseRequestHead(payload);
    if (typeof head === 'string') return fail(id, head);
    const x: Exchange = {
      call: null,
      answer: null,
      head,
      held: null,
      note: {},
      request: new BodyRecord(),
      open: true,
      recorded: false,
      done: false,
      credit: window,
      waiting: null,
    };
    exchanges.set(id, x);
    const route = masking.open(head);
    if (route instanceof RequestRefusal) refuse(id, x, route);
    else if (route === 'relay') dispatch(id, x, head);
    else x.held = route;
  };

  /** The request to the API, its answer relayed as it comes. */
  const dispatch = (id: number, x: Exchange, head: RequestHead) => {
    x.answer = relayAnswer({
      id,
      head,
      policy: o.policy,
      log: o.log,
      totals,
      audit: o.audit,
      send: sendFor(x),
      onDrain: (resume) => whenSendable(x, resume),
      requestOver: () => {
        endRequest(x);
        recordRequest(id, x);
      },
      close: () => close(id),
      abort: (message) => fail(id, message),
      ...(o.pingMs ? { pingMs: o.pingMs } : {}),
    });
    x.call = o.upstream.call(head, x.answer);
  };

  stream.on('data', (chunk: Buffer) => {
    try {
      parser.push(chunk, onFrame);
    } catch (err) {
      o.log.warn('model API stream: unreadable frame from the gateway', { error: (err as Error).message });
      stream.destroy(err as Error);
    }
  });
  stream.on('end', () => {
    ending = true;
    finishIfDone();
  });
  stream.once('close', () => {
    if (over) return;
    over = true;
    for (const [id, x] of exchanges) {
      x.call?.abort();
      x.answer?.abandon('the stream to the gateway closed');
      recordRequest(id, x);
      o.audit('model.abort', { exchange: id, reason: 'the stream to the gateway closed' });
    }
    exchanges.clear();
    o.onEnd('the stream to the gateway closed', totals);
  });
  stream.on('error', (err) => o.log.debug('model API stream failed', { error: err.message }));
}
