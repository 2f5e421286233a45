import type { Logger } from '@hoop/log';
import type { Envelope, GatewayAddress, IncomingOpen, Tunnel } from '@hoop/protocol';
import { dialGateway, type GatewayLink, type Welcome } from './gateway';

export interface GatewaySetOptions {
  /** any gateway's address (often a load balancer's): where the agent starts, and starts again when it holds no tunnel */
  url: string;
  key: string;
  keyRetryMs: number;
  log: Logger;
  /** a gateway welcomed the agent on this tunnel */
  onUp(tunnel: Tunnel): void;
  /** this tunnel is lost (its sessions ended with it) */
  onDown(tunnel: Tunnel): void;
  onOpen(open: IncomingOpen, tunnel: Tunnel): void;
  onMessage(msg: Envelope, tunnel: Tunnel): void;
}

export interface GatewaySet {
  /** the gateways the agent holds a live tunnel to, by id (an older gateway that gives no id counts under its address) */
  readonly live: ReadonlyMap<string, Tunnel>;
  stop(): void;
}

interface Member {
  link: GatewayLink;
  tunnel: Tunnel | null;
}

/**
 * The agent's tunnels, one to every live gateway. It dials `url` first; the gateway that answers says which gateways
 * are live (its welcome, then a `gateways` message whenever that changes), and the agent dials each of the others at
 * its internal address, saying which gateway it means (a different one there refuses, so no tunnel ever replaces
 * another to the same gateway). A tunnel that drops is dialed again with backoff while its gateway is in the live
 * list; a gateway that leaves the list is dropped once its tunnel is down. When no tunnel is left and no gateway is
 * known, the agent starts again from `url`.
 */
export function dialGateways(o: GatewaySetOptions): GatewaySet {
  const { log } = o;
  /** members by gateway id; the first dial of `url` is under BOOTSTRAP until its gateway says who it is */
  const members = new Map<string, Member>();
  const live = new Map<string, Tunnel>();
  let known: GatewayAddress[] = [];
  let stopped = false;

  const liveList = (id: string) => known.some((g) => g.id === id);

  const add = (key: string, url: string, expect?: string): void => {
    const member: Member = { link: undefined as unknown as GatewayLink, tunnel: null };
    members.set(key, member);
    member.link = dialGateway({
      url,
      ...(expect ? { expect } : {}),
      key: o.key,
      keyRetryMs: o.keyRetryMs,
      log,
      onTunnel: (tunnel, welcome) => (tunnel ? welcomed(member, tunnel, welcome!) : lost(member)),
      onOpen: (open, tunnel) => o.onOpen(open, tunnel),
      onMessage: (msg, tunnel) => {
        if (msg.type === 'gateways') return learn(msg.payload.gateways);
        o.onMessage(msg, tunnel);
      },
      // dialed again while its gateway is live (or the list is unknown: an older gateway, or the starting address)
      // a gateway that answers at this address as another one means this one is gone (restarted there with a new id,
      // before its row expired): dropped, so the other one is learned (or, with none left, the starting address dialed)
      redial: (wrongGateway) => {
        const id = idOf(member);
        if (stopped) return false;
        if (id && id !== BOOTSTRAP && (wrongGateway || (known.length > 0 && !liveList(id)))) {
          drop(id, member);
          return false;
        }
        return true;
      },
    });
  };

  const idOf = (member: Member): string | null => {
    for (const [id, m] of members) if (m === member) return id;
    return null;
  };

  const welcomed = (member: Member, tunnel: Tunnel, welcome: Welcome): void => {
    const id = welcome.gatewayId;
    const key = idOf(member)!;
    if (id && key !== id) {
      // the starting address led to gateway `id`: from now on this member is that gateway's, dialed at its own address
      members.delete(key);
      members.set(id, member);
      const self = welcome.gateways?.find((g) => g.id === id);
      // not listed yet (it registers just after it starts listening): its next dial means it, at the same address
      member.link.retarget(self?.url ?? o.url, id);
    }
    member.tunnel = tunnel;
    live.set(id ?? key, tunnel);
    o.onUp(tunnel);
    if (welcome.gateways) learn(welcome.gateways);
  };

  const lost = (member: Member): void => {
    const tunnel = member.tunnel;
    member.tunnel = null;
    const id = idOf(member);
    if (id && live.get(id) === tunnel) live.delete(id);
    if (tunnel) o.onDown(tunnel);
  };

  const drop = (id: string, member: Member): void => {
    if (members.get(id) !== member) return;
    members.delete(id);
    log.info('gateway is no longer live; dropping it', { gateway: id });
    member.link.stop();
    // the last one gone with no gateway known: start again from the starting address
    if (members.size === 0 && !stopped) add(BOOTSTRAP, o.url);
  };

  /** a gateway's list of the live ones: dial the new, drop the dead whose tunnel is down */
  const learn = (list: GatewayAddress[]): void => {
    if (stopped) return;
    known = list;
    for (const g of list) {
      const m = members.get(g.id);
      if (!m) {
        log.info('dialing a gateway', { gateway: g.id, url: g.url });
        add(g.id, g.url, g.id);
      } else m.link.retarget(g.url, g.id);
    }
    for (const [id, m] of [...members]) {
      if (id === BOOTSTRAP || liveList(id)) continue;
      // a live tunnel is kept (its gateway beats late, or another gateway's view is behind): it is dropped when it drops
      if (!m.link.up) drop(id, m);
    }
  };

  add(BOOTSTRAP, o.url);
  return {
    live,
    stop() {
      stopped = true;
      for (const m of members.values()) m.link.stop();
      members.clear();
    },
  };
}

const BOOTSTRAP = '';
