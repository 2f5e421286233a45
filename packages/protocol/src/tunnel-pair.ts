import { type Transport, Tunnel, type TunnelHandlers } from './tunnel';

/** Two tunnels joined by an in-memory socket that delivers frames asynchronously, like a network would. */
export function pair(aHandlers: TunnelHandlers = {}, bHandlers: TunnelHandlers = {}) {
  const wire = { aToB: 0, bToA: 0, closed: [] as string[], texts: [] as string[] };
  let a!: Tunnel;
  let b!: Tunnel;
  const transport = (to: () => Tunnel, counter: 'aToB' | 'bToA'): Transport => ({
    sendText: (t) => {
      wire.texts.push((JSON.parse(t) as { type: string }).type);
      setImmediate(() => to().handleText(t));
    },
    sendBinary: (buf) => {
      wire[counter] += buf.length;
      const copy = Buffer.from(buf);
      setImmediate(() => to().handleBinary(copy));
    },
    close: (_code, reason) => wire.closed.push(reason),
  });
  a = new Tunnel(
    transport(() => b, 'aToB'),
    true,
    aHandlers,
  );
  b = new Tunnel(
    transport(() => a, 'bToA'),
    false,
    bHandlers,
  );
  return { a, b, wire };
}
