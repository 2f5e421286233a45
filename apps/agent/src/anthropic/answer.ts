import {
  BodyRecord,
  encodeBody,
  encodeFrame,
  encodeHead,
  FrameKind,
  type MessageSummary,
  MessageTally,
  type RequestHead,
  type ResponseHead,
  SseParser,
  summarizeMessage,
} from '@hoop/httpwire';
import type { Logger } from '@hoop/log';
import { guardMessageJson, type JsonGuard, MAX_JSON_ANSWER } from './guard-json';
import { GuardStream } from './guard-stream';
import type { ConversationPolicy } from './policy';
import type { ConversationTotals } from './record';
import { apiError, type CallHandlers } from './upstream';

export interface AnswerOptions {
  id: number;
  head: RequestHead;
  policy: ConversationPolicy;
  log: Logger;
  totals: ConversationTotals;
  audit(type: string, data: Record<string, unknown>): void;
  /** a frame to the gateway; false: wait for `onDrain` before sending more */
  send(frame: Buffer): boolean;
  onDrain(resume: () => void): void;
  /** the request is over on its way there (the API answered): its end and its record */
  requestOver(): void;
  /** the exchange is over */
  close(): void;
  /** the exchange breaks off after its head was sent: an abort frame */
  abort(message: string): void;
  pingMs?: number;
}

/** The upstream call's handlers, and `abandon`: the client went away, so nothing held is sent and no review waits. */
export interface Answer extends CallHandlers {
  abandon(reason: string): void;
}

/** a Messages request, whose answer may carry tool calls */
function asksForMessage(head: RequestHead): boolean {
  return head.method === 'POST' && head.path.split('?')[0]!.replace(/\/+$/, '') === '/v1/messages';
}

/**
 * One exchange's answer, framed back to the gateway as the API sends it and recorded (status, timings, token usage,
 * tool calls, stop reason, its body up to a limit). A Messages answer goes through the guard on the way: streamed,
 * event by event (guard-stream.ts); not streamed, read whole, judged, and sent with its content-length (guard-json.ts).
 * A Messages answer the agent cannot read (compressed despite `accept-encoding: identity`) is refused, not relayed.
 * The trail records the answer as the API sent it; each judged tool call has its own `model.tool_use` event.
 */
export function relayAnswer(o: AnswerOptions): Answer {
  const { id } = o;
  const startedAt = Date.now();
  let firstByteMs: number | null = null;
  let status = 0;
  let headSent = false;
  let over = false;
  const body = new BodyRecord();
  let sse: { parser: SseParser; tally: MessageTally } | null = null;
  let stream: GuardStream | null = null;
  /** a whole answer read before it is judged, and the head it waits with */
  let whole: { head: ResponseHead; pieces: Buffer[]; bytes: number } | null = null;
  let json: JsonGuard | null = null;
  let refused: string | null = null;
  let sentOk = true;

  const sendBody = (bytes: Buffer): boolean => {
    let ok = true;
    for (const frame of encodeBody(id, bytes)) ok = o.send(frame) && ok;
    return ok;
  };
  const sendHead = (head: ResponseHead) => {
    headSent = true;
    o.send(encodeHead(id, FrameKind.response, head));
  };
  const sendError = (message: string) => {
    const e = apiError(502, 'api_error', message);
    sendHead(e.head);
    sendBody(e.body);
    o.send(encodeFrame(id, FrameKind.end));
  };

  const finish = () => {
    if (over) return;
    over = true;
    o.send(encodeFrame(id, FrameKind.end));
    o.requestOver();
    const rec = body.fields();
    const summary: MessageSummary | null = sse ? sse.tally.summary() : rec.truncated ? null : summarizeMessage(rec.body);
    o.totals.add(summary, status);
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
    o.close();
  };

  return {
    response(r) {
      status = r.status;
      const eventStream = (r.headers['content-type'] ?? '').startsWith('text/event-stream');
      if (eventStream) sse = { parser: new SseParser(), tally: new MessageTally() };
      const guarded = asksForMessage(o.head) && r.status >= 200 && r.status < 300;
      const encoding = (r.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (guarded && encoding !== 'identity') {
        refused = `the model API sent its answer compressed (${encoding}), which hoop cannot read to guard it`;
        return sendError(refused);
      }
      if (guarded && eventStream) {
        // a full buffer towards the gateway pauses the API's answer (sentOk, read after each push)
        const send = (b: Buffer) => {
          if (!sendBody(b)) sentOk = false;
        };
        stream = new GuardStream({ exchange: id, policy: o.policy, audit: o.audit, log: o.log, send, ...(o.pingMs ? { pingMs: o.pingMs } : {}) });
      } else if (guarded) {
        whole = { head: r, pieces: [], bytes: 0 };
        return;
      }
      sendHead(r);
    },
    data(chunk, pause) {
      if (over) return;
      firstByteMs ??= Date.now() - startedAt;
      body.add(chunk);
      if (sse) {
        try {
          const s = sse;
          s.parser.push(chunk, (e) => s.tally.event(e));
        } catch (err) {
          // only the summary stops; the guard reads the stream on its own
          o.log.debug('event stream not read to the end', { error: (err as Error).message });
          sse = null;
        }
      }
      if (refused) return;
      if (whole) {
        whole.pieces.push(chunk);
        whole.bytes += chunk.length;
        if (whole.bytes > MAX_JSON_ANSWER) {
          refused = `the model's answer is over ${MAX_JSON_ANSWER} bytes, more than hoop reads whole to guard it`;
          whole = null;
          sendError(refused);
        }
        return;
      }
      let ok: boolean;
      if (stream) {
        sentOk = true;
        stream.push(chunk);
        ok = sentOk;
      } else ok = sendBody(chunk);
      if (!ok) pause((resume) => o.onDrain(resume));
    },
    end() {
      if (over) return;
      if (refused) {
        // the error answer was sent whole already
        over = true;
        o.requestOver();
        o.totals.add(null, 502);
        o.audit('model.error', { exchange: id, message: refused, ms: Date.now() - startedAt });
        return o.close();
      }
      if (stream) return stream.end(finish);
      if (whole) {
        const w = whole;
        json = guardMessageJson(Buffer.concat(w.pieces), { exchange: id, policy: o.policy, audit: o.audit }, (out) => {
          const headers = { ...w.head.headers, 'content-length': String(out.length) };
          sendHead({ status: w.head.status, headers });
          sendBody(out);
          finish();
        });
        return;
      }
      finish();
    },
    failed(message) {
      if (over) return;
      over = true;
      stream?.abandon(message);
      json?.abandon(message);
      o.requestOver();
      o.audit('model.error', { exchange: id, message, ms: Date.now() - startedAt });
      o.totals.add(null, 502);
      if (headSent) o.abort(message);
      else sendError(message);
      o.close();
    },
    abandon(reason) {
      stream?.abandon(reason);
      json?.abandon(reason);
      over = true;
    },
  };
}
