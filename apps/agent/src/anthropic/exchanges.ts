import type { Duplex } from 'node:stream';
import {
  encodeBody,
  encodeFrame,
  encodeHead,
  type Frame,
  ExchangeFrameParser,
  FrameKind,
  type MessageSummary,
  MessageTally,
  parseRequestHead,
  SseParser,
  summarizeMessage,
} from '@hoop/httpwire';
import type { Logger } from '@hoop/log';
import type { ConversationPolicy } from './policy';
import { BodyRecord, ConversationTotals, modelOf } from './record';
import { apiError, type Upstream, type UpstreamCall } from './upstream';

export interface ExchangeServerOptions {
  upstream: Upstream;
  log: Logger;
  /** the session's policy: what is masked before the model reads it, which tool calls it asks for are judged */
  policy: ConversationPolicy;
  audit(type: string, data: Record<string, unknown>): void;
  /** the conversation is over (the gateway ended the stream, or it failed): `reason` says which */
  onEnd(reason: string, totals: ConversationTotals): void;
}

interface Exchange {
  call: UpstreamCall | null;
  request: BodyRecord;
  /** the request head's headers came; its body is still arriving */
  open: boolean;
  /** its `model.request` is recorded */
  recorded: boolean;
  done: boolean;
}

/**
 * One conversation's stream: the HTTP exchanges the gateway frames on it (httpwire's exchange frames) are sent to the
 * model API as they arrive, and the answers framed back as the API sends them — event by event for a streamed answer,
 * nothing held whole. Each exchange is recorded: the request (its body kept up to a limit, the model it asks for) and
 * the response (status, timings, token usage, tool calls, stop reason, its body up to a limit). A request is recorded
 * before its response, even when the API answers before the request's end frame is read (see recordRequest).
 */
export function serveExchanges(stream: Duplex, o: ExchangeServerOptions): void {
  const parser = new ExchangeFrameParser();
  const exchanges = new Map<number, Exchange>();
  const totals = new ConversationTotals();
  let ending = false;
  let over = false;

  const send = (buf: Buffer): boolean => (stream.writable ? stream.write(buf) : true);
  const finishIfDone = () => {
    if (!ending || over || exchanges.size > 0) return;
    over = true;
    o.onEnd('the conversation ended', totals);
    stream.end();
  };

  const onFrame = (f: Frame) => {
    const x = exchanges.get(f.exchange);
    if (f.kind === FrameKind.request) {
      if (x) return fail(f.exchange, 'the exchange id is already in use');
      start(f.exchange, f.payload);
    } else if (!x) {
      // an exchange that already ended (the answer came before the client's abort): nothing to do
    } else if (f.kind === FrameKind.body) {
      x.request.add(f.payload);
      if (x.call && !x.call.write(f.payload)) {
        stream.pause();
        x.call.onDrain(() => stream.resume());
      }
    } else if (f.kind === FrameKind.end) {
      endRequest(x);
      recordRequest(f.exchange, x);
    } else if (f.kind === FrameKind.abort) {
      x.call?.abort();
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
    o.audit('model.request', { exchange: id, ...x.call?.describe(), model: modelOf(req.body), ...req });
  };

  const fail = (id: number, message: string) => {
    send(encodeFrame(id, FrameKind.abort, Buffer.from(JSON.stringify({ message }))));
  };

  const close = (id: number, abortedBecause?: string) => {
    const x = exchanges.get(id);
    if (!x || x.done) return;
    x.done = true;
    exchanges.delete(id);
    if (abortedBecause) o.audit('model.abort', { exchange: id, reason: abortedBecause });
    finishIfDone();
  };

  const start = (id: number, payload: Buffer) => {
    const head = parseRequestHead(payload);
    if (typeof head === 'string') return fail(id, head);
    const x: Exchange = { call: null, request: new BodyRecord(), open: true, recorded: false, done: false };
    exchanges.set(id, x);
    const startedAt = Date.now();
    let firstByteMs: number | null = null;
    let status = 0;
    const body = new BodyRecord();
    let sse: { parser: SseParser; tally: MessageTally } | null = null;
    x.call = o.upstream.call(head, {
      response(r) {
        status = r.status;
        if ((r.headers['content-type'] ?? '').startsWith('text/event-stream')) sse = { parser: new SseParser(), tally: new MessageTally() };
        send(encodeHead(id, FrameKind.response, r));
      },
      data(chunk, pause) {
        firstByteMs ??= Date.now() - startedAt;
        body.add(chunk);
        let ok = true;
        for (const frame of encodeBody(id, chunk)) ok = send(frame) && ok;
        if (!ok) pause((resume) => stream.once('drain', resume));
        if (sse) {
          try {
            const s = sse;
            s.parser.push(chunk, (e) => s.tally.event(e));
          } catch (err) {
            // what is relayed is untouched; only the summary stops
            o.log.debug('event stream not read to the end', { error: (err as Error).message });
            sse = null;
          }
        }
      },
      end() {
        send(encodeFrame(id, FrameKind.end));
        endRequest(x);
        recordRequest(id, x);
        const rec = body.fields();
        const summary: MessageSummary | null = sse ? sse.tally.summary() : rec.truncated ? null : summarizeMessage(rec.body);
        totals.add(summary, status);
        o.audit('model.response', {
          exchange: id,
          status,
          ms: Date.now() - startedAt,
          firstByteMs,
          ...(summary ? { model: summary.model, stopReason: summary.stopReason, usage: summary.usage, toolUses: summary.toolUses } : {}),
          ...(summary?.text ? { text: summary.text } : {}),
          ...(summary?.error ? { error: summary.error } : {}),
          ...rec,
        });
        close(id);
      },
      failed(message, headSent) {
        recordRequest(id, x);
        o.audit('model.error', { exchange: id, message, ms: Date.now() - startedAt });
        totals.add(null, 502);
        if (headSent) fail(id, message);
        else {
          const e = apiError(502, 'api_error', message);
          send(encodeHead(id, FrameKind.response, e.head));
          for (const frame of encodeBody(id, e.body)) send(frame);
          send(encodeFrame(id, FrameKind.end));
        }
        close(id);
      },
    });
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
      recordRequest(id, x);
      o.audit('model.abort', { exchange: id, reason: 'the stream to the gateway closed' });
    }
    exchanges.clear();
    o.onEnd('the stream to the gateway closed', totals);
  });
  stream.on('error', (err) => o.log.debug('model API stream failed', { error: err.message }));
}
