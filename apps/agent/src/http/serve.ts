import type { Duplex } from 'node:stream';
import { type Frame, ExchangeFrameParser, FrameKind, parseRequestHead } from '@hoop/httpwire';
import { answerFrames } from './answers';
import type { ExchangeContext } from './context';
import { HttpExchange } from './exchange';
import type { ServedExchange } from './plugin';

/** the most requests one session runs at once; more are answered 503 until one ends */
export const MAX_OPEN_EXCHANGES = 64;

export interface HttpTotals {
  requests: number;
  denied: number;
  reviewed: number;
  failed: number;
  masked: Record<string, number>;
}

/**
 * One session's stream: the HTTP requests its client frames on it (httpwire's exchange frames: hoop connect's local
 * port, hoop exec), each served by an HttpExchange, several at once. A head that cannot be read is answered 400 by
 * hoop; frames of an exchange already answered are dropped. The session ends when the client ends the stream and
 * every exchange is over, or when the stream closes (open exchanges are then aborted and recorded).
 */
export function serveHttpSession(
  stream: Duplex,
  base: Omit<ExchangeContext, 'send' | 'onDrain' | 'pauseInput' | 'resumeInput' | 'tally'>,
  onEnd: (reason: string, totals: HttpTotals) => void,
): void {
  const parser = new ExchangeFrameParser();
  const open = new Map<number, ServedExchange>();
  const totals: HttpTotals = { requests: 0, denied: 0, reviewed: 0, failed: 0, masked: {} };
  let ending = false;
  let over = false;
  const ctx: ExchangeContext = {
    ...base,
    send: (buf) => (stream.writable ? stream.write(buf) : true),
    onDrain: (fn) => void stream.once('drain', fn),
    pauseInput: () => stream.pause(),
    resumeInput: () => stream.resume(),
    tally(decision, status, masked) {
      totals.requests++;
      if (decision === 'deny') totals.denied++;
      if (decision === 'review' || decision === 'approved') totals.reviewed++;
      if (status === null || status >= 500) totals.failed++;
      for (const [k, n] of Object.entries(masked)) totals.masked[k] = (totals.masked[k] ?? 0) + n;
    },
  };
  const finishIfDone = () => {
    if (!ending || over || open.size > 0) return;
    over = true;
    onEnd('the client ended the session', totals);
    stream.end();
  };

  const onFrame = (f: Frame) => {
    const x = open.get(f.exchange);
    if (f.kind === FrameKind.request) {
      if (x) return refuse(f.exchange, 400, 'the exchange id is already in use');
      const head = parseRequestHead(f.payload);
      if (typeof head === 'string') return refuse(f.exchange, 400, `hoop: ${head}`);
      if (open.size >= MAX_OPEN_EXCHANGES) return refuse(f.exchange, 503, `hoop: at most ${MAX_OPEN_EXCHANGES} requests of one session run at once`);
      const done = () => {
        open.delete(f.exchange);
        finishIfDone();
      };
      const ex = base.plugin?.open?.(f.exchange, head, ctx, done) ?? new HttpExchange(f.exchange, head, ctx, done);
      // one answered at once (refused) is already over
      if (!ex.over) open.set(f.exchange, ex);
    } else if (!x) {
      // an exchange already answered (refused, or its answer ended first): its remaining frames are dropped
    } else if (f.kind === FrameKind.body) x.body(Buffer.from(f.payload));
    else if (f.kind === FrameKind.end) x.end();
    else if (f.kind === FrameKind.abort) x.abort('the client went away');
  };
  const refuse = (id: number, status: number, message: string) => {
    for (const frame of (base.plugin?.answerFrames ?? answerFrames)(id, { status, type: 'bad_request', message })) ctx.send(frame);
  };
  stream.on('data', (chunk: Buffer) => {
    try {
      parser.push(chunk, onFrame);
    } catch (err) {
      base.log.warn('http session: unreadable frame', { error: (err as Error).message });
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
    for (const x of [...open.values()]) x.abort('the session stream closed');
    open.clear();
    onEnd('the session stream closed', totals);
  });
  stream.on('error', (err) => base.log.debug('http session stream failed', { error: err.message }));
}
