import { describe, expect, it } from 'vitest';
import type { Tunnel } from '@hoop/protocol';
import { AuditOutbox } from './audit';
import { ReviewBroker } from './reviews';

/** a tunnel to one gateway: the audit seqs it was sent per session, and the other messages by type */
function gateway() {
  const audit = new Map<string, number[]>();
  const other: string[] = [];
  const send = (type: string, payload: { sessionId: string; seq: number }) => {
    if (type === 'audit') audit.set(payload.sessionId, [...(audit.get(payload.sessionId) ?? []), payload.seq]);
    else other.push(type);
  };
  const tunnel = { send, sendJson: (type: string, json: string) => send(type, JSON.parse(json)) } as unknown as Tunnel;
  return { audit, other, tunnel };
}

const S1 = '3f1c2a9e-0000-4000-8000-000000000001';
const S2 = '3f1c2a9e-0000-4000-8000-000000000002';

describe('audit frames with a tunnel to each of several gateways', () => {
  it("go to their session's gateway; once it is gone, the unacknowledged ones (and the rest) go through another", () => {
    const outbox = new AuditOutbox(null, 60_000);
    const a = gateway();
    const b = gateway();
    outbox.up(a.tunnel);
    outbox.up(b.tunnel);
    outbox.routes.bind(S1, a.tunnel);
    outbox.routes.bind(S2, b.tunnel);
    for (const type of ['session.open', 'statement', 'statement']) {
      outbox.emit(S1, type, {});
      outbox.emit(S2, type, {});
    }
    expect(a.audit.get(S1)).toEqual([0, 1, 2]);
    expect(b.audit.get(S2)).toEqual([0, 1, 2]);
    expect(a.audit.has(S2) || b.audit.has(S1)).toBe(false);
    outbox.ack(S1, 0);

    // gateway a dies: S1's frames it had not acknowledged go to b at once, its later ones too; S2 is not sent again
    outbox.down(a.tunnel);
    expect(b.audit.get(S1)).toEqual([1, 2]);
    outbox.emit(S1, 'session.close', {});
    expect(b.audit.get(S1)).toEqual([1, 2, 3]);
    expect(b.audit.get(S2)).toEqual([0, 1, 2]);
    expect(a.audit.get(S1)).toEqual([0, 1, 2]);
    outbox.endSession(S1);
    outbox.ack(S1, 3);
    expect(outbox.pending).toBe(3);
    outbox.ack(S2, 2);
    expect(outbox.pending).toBe(0);
  });

  it('wait for a tunnel when there is none, and all go on the first that comes', () => {
    const outbox = new AuditOutbox(null, 60_000);
    const a = gateway();
    outbox.up(a.tunnel);
    outbox.routes.bind(S1, a.tunnel);
    outbox.emit(S1, 'session.open', {});
    outbox.down(a.tunnel);
    outbox.emit(S1, 'session.close', {});
    const b = gateway();
    outbox.up(b.tunnel);
    expect(b.audit.get(S1)).toEqual([0, 1]);
  });
});

describe('review holds with a tunnel to each of several gateways', () => {
  it("are asked for on their session's gateway; losing another gateway leaves them waiting", () => {
    const outbox = new AuditOutbox(null, 60_000);
    const broker = new ReviewBroker(outbox.routes);
    const a = gateway();
    const b = gateway();
    outbox.up(a.tunnel);
    outbox.up(b.tunnel);
    outbox.routes.bind(S1, a.tunnel);
    outbox.routes.bind(S2, b.tunnel);
    const heard: Record<string, string[]> = { [S1]: [], [S2]: [] };
    const ask = (sessionId: string) =>
      broker.request({ sessionId, digest: '0'.repeat(64), statement: 'drop table t', ruleId: null, message: null, policyVersion: null }, (u) =>
        heard[sessionId]!.push(u.status),
      );
    ask(S1);
    ask(S2);
    expect(a.other).toEqual(['review_request']);
    expect(b.other).toEqual(['review_request']);
    outbox.down(b.tunnel);
    broker.lost(b.tunnel);
    expect(heard[S2]).toEqual(['unavailable']);
    expect(heard[S1]).toEqual([]);
    // a session whose gateway is gone cannot ask for a review through another: its client is not there
    ask(S2);
    expect(heard[S2]).toEqual(['unavailable', 'unavailable']);
    expect(a.other).toEqual(['review_request']);
  });
});
