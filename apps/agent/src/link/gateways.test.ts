import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createLogger, type Logger } from '@hoop/log';
import { CLOSE_WRONG_GATEWAY, type GatewayAddress, messageBytes, PROTOCOL_VERSION, Tunnel, webSocketTransport } from '@hoop/protocol';
import { dialGateways, type GatewaySet } from './gateways';

/**
 * Small gateways on loopback that speak the tunnel's first messages as a gateway does: each welcomes an agent with its
 * id and the live list it is given, refuses a hello meant for another gateway, and can announce a new list.
 */
class FakeGateway {
  readonly wss: WebSocketServer;
  readonly tunnels = new Set<Tunnel>();
  /** the `gateway` each hello asked for ('' when none) */
  readonly hellos: string[] = [];
  constructor(
    readonly id: string,
    private readonly live: () => GatewayAddress[],
  ) {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (ws) => {
      const tunnel = new Tunnel(webSocketTransport(ws), false, {
        onMessage: (msg) => {
          if (msg.type !== 'hello') return;
          this.hellos.push(msg.payload.gateway ?? '');
          if (msg.payload.gateway && msg.payload.gateway !== this.id) return ws.close(CLOSE_WRONG_GATEWAY, `this is ${this.id}`);
          this.tunnels.add(tunnel);
          tunnel.send('welcome', {
            version: PROTOCOL_VERSION,
            capabilities: [],
            heartbeatMs: 60_000,
            identity: { kind: 'agent', id: 'a', name: 'agent' },
            gatewayId: this.id,
            gateways: this.live(),
          });
        },
      });
      ws.on('message', (data, isBinary) => (isBinary ? tunnel.handleBinary(messageBytes(data)) : tunnel.handleText(messageBytes(data).toString('utf8'))));
      ws.on('close', () => this.tunnels.delete(tunnel));
    });
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }
  get address(): GatewayAddress {
    return { id: this.id, url: this.url };
  }
  announce(list: GatewayAddress[]): void {
    for (const t of this.tunnels) t.send('gateways', { gateways: list });
  }
  /** as kill -9: every tunnel cut, nothing listens any more */
  kill(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

const listening = (g: FakeGateway) => new Promise<void>((r) => (g.wss.address() ? r() : g.wss.once('listening', () => r())));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let set: GatewaySet | null = null;
const gateways: FakeGateway[] = [];
afterEach(async () => {
  set?.stop();
  set = null;
  await Promise.all(gateways.splice(0).map((g) => g.kill().catch(() => undefined)));
});

async function fleet(ids: string[]): Promise<{ list: () => GatewayAddress[]; g: FakeGateway[] }> {
  let live: GatewayAddress[] = [];
  const g = ids.map((id) => new FakeGateway(id, () => live));
  gateways.push(...g);
  await Promise.all(g.map(listening));
  live = g.map((x) => x.address);
  return { list: () => live, g };
}

function agent(url: string) {
  const up = new Set<Tunnel>();
  const lines: string[] = [];
  const note = (msg: string, fields?: Record<string, unknown>) => void lines.push(`${msg} ${JSON.stringify(fields ?? {})}`);
  const log = { ...createLogger('agent', 'error'), debug: () => undefined, info: note, warn: note, error: note } as Logger;
  set = dialGateways({
    url,
    key: 'k'.repeat(32),
    keyRetryMs: 60_000,
    log,
    onUp: (t) => up.add(t),
    onDown: (t) => up.delete(t),
    onOpen: (open) => open.reject('unsupported', 'no sessions here'),
    onMessage: () => undefined,
  });
  return { up, set, lines };
}

describe('the agent keeps a tunnel to every live gateway', () => {
  it('learns the others from the one it was given and dials each, naming the gateway it means', async () => {
    const { g } = await fleet(['g-a', 'g-b', 'g-c']);
    const a = agent(g[0]!.url);
    await until('a tunnel to each gateway', () => a.set.live.size === 3 && a.up.size === 3);
    expect([...a.set.live.keys()].sort()).toEqual(['g-a', 'g-b', 'g-c']);
    // the first hello (to the starting address) names none; the others name the gateway they are for
    expect(g[0]!.hellos).toEqual(['']);
    expect(g[1]!.hellos).toEqual(['g-b']);
    expect(g[2]!.hellos).toEqual(['g-c']);
  });

  it('dials a gateway that joins, drops one that dies once it leaves the list, and keeps the others', async () => {
    const { g } = await fleet(['g-a', 'g-b']);
    const a = agent(g[0]!.url);
    await until('two tunnels', () => a.set.live.size === 2);
    const [joined] = (await fleet(['g-c'])).g;
    g[0]!.announce([g[0]!.address, g[1]!.address, joined!.address]);
    await until('the new gateway dialed', () => a.set.live.has('g-c'));

    const tunnelToA = a.set.live.get('g-a');
    await g[1]!.kill();
    await until('the dead gateway’s tunnel gone', () => !a.set.live.has('g-b') && a.up.size === 2);
    g[0]!.announce([g[0]!.address, joined!.address]);
    await until('the dead gateway dropped', () => a.lines.some((l) => l.startsWith('gateway is no longer live') && l.includes('g-b')));
    expect(a.set.live.get('g-a')).toBe(tunnelToA);
    expect([...a.set.live.keys()].sort()).toEqual(['g-a', 'g-c']);
  });

  it('a gateway that answers at another one’s address refuses the tunnel, so none replaces another', async () => {
    // g-b's row says it is at g-a's address (a misconfigured HOOP_GATEWAY_INTERNAL_URL)
    let wrong: GatewayAddress[] = [];
    const g = [new FakeGateway('g-a', () => wrong), new FakeGateway('g-b', () => wrong)];
    gateways.push(...g);
    await Promise.all(g.map(listening));
    wrong = [g[0]!.address, { id: 'g-b', url: g[0]!.url }];
    const a = agent(g[0]!.url);
    await until('the tunnel to the first', () => a.set.live.has('g-a'));
    await until('a hello meant for g-b reaching g-a', () => g[0]!.hellos.includes('g-b'));
    await until('g-b given up at that address', () => a.lines.some((l) => l.includes('leads to another gateway')));
    // g-a kept its one tunnel with the agent; g-b was never reached
    expect(g[0]!.tunnels.size).toBe(1);
    expect(a.set.live.has('g-b')).toBe(false);
    expect(g[1]!.hellos).toEqual([]);
  });
});
