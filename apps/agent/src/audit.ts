import type { AuditEventBody, Tunnel } from '@hoop/protocol';

interface Frame { sessionId: string; seq: number; event: AuditEventBody }

/**
 * Audit frames leave the agent in order, numbered per session, and stay here until the gateway acknowledges them
 * (after it committed them); after a reconnect every unacknowledged frame is sent again. Only masked data is ever
 * put in a frame.
 */
export class AuditOutbox {
  private readonly unacked = new Map<string, Frame[]>();
  private readonly nextSeq = new Map<string, number>();
  private tunnel: Tunnel | null = null;

  attach(tunnel: Tunnel | null): void {
    this.tunnel = tunnel;
    if (!tunnel) return;
    for (const frames of this.unacked.values()) for (const f of frames) tunnel.send('audit', f);
  }

  emit(sessionId: string, type: string, data: Record<string, unknown>): void {
    const seq = this.nextSeq.get(sessionId) ?? 0;
    this.nextSeq.set(sessionId, seq + 1);
    const frame: Frame = { sessionId, seq, event: { type, at: new Date().toISOString(), data } };
    let list = this.unacked.get(sessionId);
    if (!list) this.unacked.set(sessionId, (list = []));
    list.push(frame);
    this.tunnel?.send('audit', frame);
  }

  ack(sessionId: string, seq: number): void {
    const list = this.unacked.get(sessionId);
    if (!list) return;
    let i = 0;
    while (i < list.length && list[i]!.seq <= seq) i++;
    list.splice(0, i);
    if (list.length === 0) this.unacked.delete(sessionId);
  }

  /** the session ended: once its frames are acknowledged nothing more is kept for it */
  endSession(sessionId: string): void {
    this.nextSeq.delete(sessionId);
  }

  get pending(): number {
    let n = 0;
    for (const l of this.unacked.values()) n += l.length;
    return n;
  }
}
