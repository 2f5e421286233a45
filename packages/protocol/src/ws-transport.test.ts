import { describe, expect, it } from 'vitest';
import { type Transport, Tunnel } from './tunnel';
import { ridingTransport } from './ws-transport';

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

describe('a transport on which audit frames ride with the next frame', () => {
  it('holds them until the next frame and sends them just before it, in order', () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 60_000);
    t.sendTextWithNext!('a1');
    t.sendTextWithNext!('a2');
    expect(sent).toEqual([]);
    t.sendBinary(Buffer.from('answer'));
    t.sendTextWithNext!('a3');
    t.sendText('credit');
    t.sendTextWithNext!('a4');
    t.close(1000, 'bye');
    expect(sent).toEqual(['text a1', 'text a2', 'binary answer', 'text a3', 'text credit', 'text a4', 'close bye']);
  });

  it('sends them after the longest wait when nothing else goes', async () => {
    const { sent, inner } = recorder();
    const t = ridingTransport(inner, 5);
    t.sendTextWithNext!('a1');
    for (let i = 0; i < 500 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(['text a1']);
    // nothing is sent twice once the next frame goes
    t.sendBinary(Buffer.from('answer'));
    expect(sent).toEqual(['text a1', 'binary answer']);
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
