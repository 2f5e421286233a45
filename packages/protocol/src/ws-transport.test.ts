import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from './messages';
import { type Transport, Tunnel } from './tunnel';
import { afterWrites, atTurnEnd } from './turn-end';
import { ridingTransport, type WebSocketLike, webSocketTransport } from './ws-transport';

/** a transport that lists what it was given, in order */
function recorder() {
  const sent: string[] = [];
  const inner: Transport = {
    sendText: (t) => sent.push(`text ${t}`),
    sendBinary: (b) => sent.push(`binary ${b.toString()}`),
    close: (_code, reason) => sent.push(`close ${reason}`),
  };
  return { sent, inner };
}

const frame = (seq: number, sessionId = 's') => JSON.stringify({ sessionId, seq, event: { type: 'statement', at: 't', data: { seq } } });
/** what each text sent carries: the audit frames' seqs (a batch as a list), other texts by type */
const texts = (sent: string[]) =>
  sent.map((s) => {
    if (!s.startsWith('text ')) return s;
    const msg = decodeEnvelope(s.slice(5))!;
    if (msg.type === 'audit') return msg.payload.seq;
    if (msg.type === 'audit_batch') return msg.payload.frames.map((f) => f.seq);
    return msg.type;
  });

describe('a transport on which audit frames ride with the next frame', () => {
  it('holds them until the next frame and sends them just before it, in order', () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 60_000);
    t.sendWithNext!('audit', frame(1));
    t.sendWithNext!('audit', frame(2));
    expect(sent).toEqual([]);
    t.sendBinary(Buffer.from('answer'));
    t.sendWithNext!('audit', frame(3));
    t.sendText('{"v":1,"type":"credit","payload":{"stream":1,"bytes":1}}');
    t.sendWithNext!('audit', frame(4));
    t.close(1000, 'bye');
    expect(texts(sent)).toEqual([1, 2, 'binary answer', 3, 'credit', 4, 'close bye']);
  });

  it('sends them after the longest wait when nothing else goes', async () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 5);
    t.sendWithNext!('audit', frame(1));
    for (let i = 0; i < 500 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(texts(sent)).toEqual([1]);
    // nothing is sent twice once the next frame goes
    t.sendBinary(Buffer.from('answer'));
    expect(texts(sent)).toEqual([1, 'binary answer']);
  });

  it('lets data frames pass them until the oldest has waited its gathering time, texts never', async () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 60_000, 30);
    t.sendWithNext!('audit', frame(1));
    t.sendBinary(Buffer.from('a1'));
    t.sendWithNext!('audit', frame(2));
    t.sendBinary(Buffer.from('a2'));
    expect(texts(sent)).toEqual(['binary a1', 'binary a2']);
    // a text goes behind them
    t.sendText('{"v":1,"type":"end","payload":{"stream":1}}');
    expect(texts(sent)).toEqual(['binary a1', 'binary a2', 1, 2, 'end']);
    t.sendWithNext!('audit', frame(3));
    const start = performance.now();
    while (performance.now() - start < 31) await new Promise((r) => setTimeout(r, 5));
    t.sendBinary(Buffer.from('a3'));
    expect(texts(sent).slice(5)).toEqual([3, 'binary a3']);
    t.close(1000, 'bye');
  });

  it('sends audit frames held together as one audit_batch once the peer reads those, in order, other messages apart', () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 60_000);
    t.batchAudit = true;
    for (let seq = 0; seq < 3; seq++) t.sendWithNext!('audit', frame(seq, seq === 1 ? 'other' : 's'));
    t.sendWithNext!('review_cancel', '{"ref":1,"sessionId":"s"}');
    t.sendWithNext!('audit', frame(3));
    t.sendBinary(Buffer.from('answer'));
    expect(texts(sent)).toEqual([[0, 1, 2], 'review_cancel', 3, 'binary answer']);
    const batch = decodeEnvelope(sent[0]!.slice(5))!;
    expect(batch.type === 'audit_batch' && batch.payload.frames.map((f) => f.sessionId)).toEqual(['s', 'other', 's']);
  });

  it('cuts a batch before it would grow past a megabyte of text', () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 60_000);
    t.batchAudit = true;
    const big = (seq: number) => JSON.stringify({ sessionId: 's', seq, event: { type: 'statement', at: 't', data: { sql: 'x'.repeat(400_000) } } });
    for (let seq = 0; seq < 5; seq++) t.sendWithNext!('audit', big(seq));
    t.sendBinary(Buffer.from('answer'));
    expect(texts(sent)).toEqual([[0, 1], [2, 3], 4, 'binary answer']);
    for (const s of sent.slice(0, 3)) expect(s.length).toBeLessThan(1024 * 1024 + 100);
  });

  it('is what a tunnel sends pre-made JSON (audit frames) on, while its other messages go at once', () => {
    const { sent, inner } = recorder();
    const tunnel = new Tunnel(ridingTransport(inner, 60_000), true);
    tunnel.sendJson('audit', '{"sessionId":"s","seq":0,"event":{"type":"x","at":"t","data":{}}}');
    expect(sent).toEqual([]);
    tunnel.send('ping', { t: 1 });
    expect(sent.map((s) => JSON.parse(s.slice(5)).type)).toEqual(['audit', 'ping']);
  });
});

/** a WebSocket whose socket keeps what is sent while corked and writes it as one when uncorked */
function corkingSocket() {
  const writes: string[][] = [];
  let pending: string[] = [];
  let corks = 0;
  const onWrite: (() => void)[] = [];
  const ws: WebSocketLike = {
    readyState: 1,
    OPEN: 1,
    _socket: {
      cork: () => void corks++,
      uncork: () => {
        corks--;
        if (corks > 0 || pending.length === 0) return;
        writes.push(pending);
        pending = [];
        for (const f of onWrite) f();
      },
    },
    send(data) {
      if (corks > 0) pending.push(String(data));
      else writes.push([String(data)]);
    },
    close: () => undefined,
  };
  return { ws, writes, onWrite };
}

const turnEnd = () => new Promise((r) => setImmediate(r));

describe('a WebSocket transport', () => {
  it('writes what is sent in one turn of the event loop as one write, across callbacks and ticks', async () => {
    const { ws, writes } = corkingSocket();
    const t = webSocketTransport(ws);
    t.sendText('a');
    // what process.nextTick ran after one callback (the end of the cork before) does not end it
    await new Promise((r) => process.nextTick(r));
    await Promise.resolve();
    t.sendBinary(Buffer.from('b'));
    t.sendText('c');
    expect(writes).toEqual([]);
    await turnEnd();
    expect(writes).toEqual([['a', 'b', 'c']]);
    // the next turn's frames are a write of their own
    t.sendText('d');
    await turnEnd();
    expect(writes).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('does the work put after writes once the turn’s writes are written, even when it was asked for first', async () => {
    const { ws, writes, onWrite } = corkingSocket();
    const order: string[] = [];
    onWrite.push(() => order.push(`written ${writes.at(-1)!.join(' ')}`));
    const t = webSocketTransport(ws);
    // an audit frame read just before the answer it came with: handled after the answer went on
    afterWrites(() => order.push('audit'));
    t.sendBinary(Buffer.from('answer'));
    atTurnEnd(() => order.push('another write'));
    await turnEnd();
    expect(order).toEqual(['written answer', 'another write', 'audit']);
  });
});
