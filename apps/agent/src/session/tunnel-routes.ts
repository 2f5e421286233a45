import type { Tunnel } from '@hoop/protocol';

/**
 * Which tunnel a session's messages to the gateways go on. A session opened by a gateway answers on that gateway's
 * tunnel while it is up (its reviews, its audit frames); once it is down, a session's audit frames still to be
 * acknowledged go through any other live tunnel, so the trail of a session on a gateway that died is completed by
 * another (the gateways' writer stores each frame once, whichever gateway it came through).
 */
export class TunnelRoutes {
  private readonly live: Tunnel[] = [];
  private readonly bound = new Map<string, Tunnel>();

  up(tunnel: Tunnel): void {
    if (!this.live.includes(tunnel)) this.live.push(tunnel);
  }

  down(tunnel: Tunnel): void {
    const i = this.live.indexOf(tunnel);
    if (i >= 0) this.live.splice(i, 1);
  }

  /** only this tunnel is live from now on (null: none): one gateway's link */
  only(tunnel: Tunnel | null): void {
    this.live.splice(0, this.live.length, ...(tunnel ? [tunnel] : []));
  }

  isLive(tunnel: Tunnel | null): boolean {
    return tunnel !== null && this.live.includes(tunnel);
  }

  get any(): Tunnel | null {
    return this.live[0] ?? null;
  }

  /** the session came on this tunnel */
  bind(sessionId: string, tunnel: Tunnel): void {
    this.bound.set(sessionId, tunnel);
  }

  unbind(sessionId: string): void {
    this.bound.delete(sessionId);
  }

  /** the session's own tunnel while it is up, else any live one, else null */
  of(sessionId: string): Tunnel | null {
    const own = this.bound.get(sessionId);
    return own && this.live.includes(own) ? own : this.any;
  }

  /** the session's own tunnel, live or not (null when it came on none) */
  home(sessionId: string): Tunnel | null {
    return this.bound.get(sessionId) ?? null;
  }
}
